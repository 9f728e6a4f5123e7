/* prodigy-quotes annotation page (relations UI for QUOTE / SPEAKER / CUE): the page state, the task flow
 * (fetch, answer, undo, save) and the events. ES modules, no build step: api.js talks to the server, edit.js
 * edits a task (pure, tested with node), render.js draws the state. */
import { api, beaconAnswers } from './api.js';
import { addSpan, clone, deleteSpan, findSpan, prepare, relabel, removeLink, short, spanAt, spanKey, textOf, toggleLink } from './edit.js';
import { $, createView } from './render.js';

var AUTOSAVE_MS = 20000;

var params = new URLSearchParams(window.location.search);
var S = {
  project: null,
  session: params.get('session') || null, // name from the URL, then the full id from the server
  spanLabels: ['QUOTE', 'SPEAKER', 'CUE'],
  relLabels: ['SPEAKER', 'CUE'],
  colors: {},
  historySize: 10,
  queue: [],
  current: null,
  outbox: [],       // answered, not yet saved (undo works on these)
  sending: null,    // the answers of the request in flight
  fetching: false,
  exhausted: false,
  activeLabel: 'QUOTE',
  selected: null,   // key "start:end" of the selected span
  drag: null,
  validating: false, // an answer is being checked by the server
  tokEls: [],
  gapEls: [],   // the whitespace after each token (null when none)
  tags: [],
  stats: { total: 0, session_total: 0, progress: null, remaining: null },
  autosaveTimer: null,
  pollTimer: null,
  showArrows: true
};

// ---------------------------------------------------------------- editing (edit.js on the current task)

var actions = {
  setActiveLabel: function (label) { S.activeLabel = label; view.renderLabels(); },
  relabel: function (span, label) { relabel(S.current, span, label, S.relLabels); view.refresh(); },
  deleteSpan: function (span) {
    deleteSpan(S.current, span);
    if (S.selected === spanKey(span)) S.selected = null;
    view.refresh();
  },
  removeLink: function (rel) { removeLink(S.current, rel); view.refresh(); }
};
var view = createView(S, actions);

function link(head, child) {
  var added = toggleLink(S.current, head, child);
  view.flash((added ? 'Linked ' : 'Removed link ') + head.label + ' → ' + child.label + ' “' +
    short(child.text || textOf(S.current, child), 30) + '”.');
}

function onSpanClick(span) {
  var sel = findSpan(S.current, S.selected);
  if (sel && sel !== span) {
    var selHead = !view.isChildLabel(sel.label), spanHead = !view.isChildLabel(span.label);
    if (selHead && !spanHead) { link(sel, span); view.refresh(); return; }
    if (!selHead && spanHead) { link(span, sel); view.refresh(); return; }
  }
  S.selected = sel === span ? null : spanKey(span);
  view.refresh();
}

function onCreate(a, b) {
  var sel = findSpan(S.current, S.selected);
  var added = addSpan(S.current, a, b, S.activeLabel);
  if (!added) return;
  var span = added.span, removed = added.removed;
  if (removed.length) view.flash('Replaced ' + removed.length + ' overlapping span' + (removed.length > 1 ? 's' : '') + '.');
  if (sel && findSpan(S.current, spanKey(sel)) && !view.isChildLabel(sel.label) && view.isChildLabel(span.label)) {
    link(sel, span); // a speaker/cue drawn while a quote is selected belongs to that quote
  } else {
    S.selected = spanKey(span);
  }
  view.refresh();
}

// ---------------------------------------------------------------- server calls and task flow

function heldHashes() {
  var held = S.queue.map(function (t) { return t._task_hash; });
  if (S.current) held.push(S.current._task_hash);
  S.outbox.forEach(function (a) { held.push(a._task_hash); });
  return held;
}

function fetchMore() {
  if (S.fetching) return Promise.resolve();
  S.fetching = true;
  return api('get_session_questions', { session_id: S.session, held: heldHashes() }).then(function (data) {
    S.fetching = false;
    S.session = data.session_id || S.session;
    var have = {};
    heldHashes().forEach(function (h) { have[h] = true; });
    var fresh = (data.tasks || []).filter(function (t) { return !have[t._task_hash]; });
    S.queue = S.queue.concat(fresh);
    S.exhausted = fresh.length === 0;
    updateStats(data);
    if (!S.current) next();
    // Out of work: look again now and then (another annotator may end their session).
    if (S.exhausted && !S.current && !S.pollTimer) {
      S.pollTimer = setTimeout(function () { S.pollTimer = null; if (!S.current) fetchMore(); }, 15000);
    }
  }, function (err) {
    S.fetching = false;
    if (err.status === 403) { view.fatal(err.message); return; }
    view.banner('Could not load tasks: ' + err.message + '. Retrying…');
    setTimeout(fetchMore, 3000);
  });
}

function updateStats(data) {
  ['total', 'session_total', 'progress', 'remaining'].forEach(function (k) {
    if (data && data[k] !== undefined) S.stats[k] = data[k];
  });
  view.renderCounter();
}

// ---------------------------------------------------------------- task flow

function next() {
  S.current = S.queue.length ? prepare(S.queue.shift()) : null;
  S.selected = null;
  view.renderTask();
  if (S.queue.length < 2 && !S.exhausted) fetchMore();
}

function answer(kind) {
  if (!S.current || S.drag || S.validating) return; // one answer per task, even on a double key press
  var eg = clone(S.current);
  eg.answer = kind;
  var go = function () {
    S.outbox.push(eg);
    S.current = null;
    view.hideBanner();
    next();
    view.renderSaveState();
    if (S.outbox.length > S.historySize) save(S.outbox.length - S.historySize);
    armAutosave();
  };
  if (S.project && S.project.validate_answer) {
    S.validating = true;
    api('validate_answer', { answer: eg }).then(function (res) {
      S.validating = false;
      if (res && res.valid === false) { view.banner('This answer was not accepted: ' + res.error); return; }
      go();
    }, function (err) { S.validating = false; view.banner('Could not check the answer: ' + err.message); });
  } else {
    go();
  }
}

function undo() {
  if (!S.outbox.length) { view.flash('Nothing to undo: saved answers cannot be undone.'); return; }
  var last = S.outbox[S.outbox.length - 1];
  if (S.sending && S.sending.indexOf(last) >= 0) { view.flash('That answer is being saved and cannot be undone.'); return; }
  S.outbox.pop();
  if (S.current) S.queue.unshift(S.current);
  delete last.answer;
  S.current = last;
  S.selected = null;
  view.renderTask();
  view.renderSaveState();
}

function armAutosave() {
  if (S.autosaveTimer || !S.outbox.length) return;
  S.autosaveTimer = setTimeout(function () { S.autosaveTimer = null; save(); }, AUTOSAVE_MS);
}

function save(count) {
  if (S.sending) return Promise.resolve();
  var n = count === undefined ? S.outbox.length : Math.min(count, S.outbox.length);
  if (!n) { view.renderSaveState(); return Promise.resolve(); }
  var batch = S.outbox.slice(0, n);
  S.sending = batch;
  view.renderSaveState('saving…');
  return api('give_answers', { answers: batch, session_id: S.session }).then(function (data) {
    S.sending = null;
    S.outbox = S.outbox.filter(function (a) { return batch.indexOf(a) < 0; });
    updateStats(data);
    view.renderSaveState('saved ✓');
    if (data && data.duplicates) {
      view.banner(data.duplicates + ' of these answers had already been saved (another tab or annotator on the same task) and were not stored again.');
    }
    if (!S.current && !S.queue.length) fetchMore();
  }, function (err) {
    S.sending = null;
    if (err.status === 400 && err.data && err.data.errors) {
      var bad = {};
      err.data.errors.forEach(function (e) { bad[e._task_hash] = e.error; });
      var back = batch.filter(function (a) { return a._task_hash in bad; });
      S.outbox = S.outbox.filter(function (a) { return back.indexOf(a) < 0; });
      if (S.current) S.queue.unshift(S.current);
      back.reverse().forEach(function (a) { delete a.answer; S.queue.unshift(a); });
      next();
      view.banner('Not saved, please fix: ' + err.data.errors.map(function (e) { return e.error; }).join('; '));
      if (S.outbox.length) save();
      return;
    }
    view.renderSaveState('not saved – retrying', true);
    setTimeout(function () { save(); }, 3000);
  });
}

// ---------------------------------------------------------------- events

function tokIndex(target) {
  var node = target && target.closest ? target.closest('.tok') : null;
  return node && node.dataset.i !== undefined ? parseInt(node.dataset.i, 10) : -1;
}

function bindText() {
  var text = $('text');
  text.addEventListener('mousedown', function (ev) {
    if (ev.button !== 0 || !S.current) return;
    var i = tokIndex(ev.target);
    if (i < 0) return;
    ev.preventDefault();
    S.drag = { start: i, end: i };
  });
  text.addEventListener('mouseover', function (ev) {
    if (!S.drag) return;
    var i = tokIndex(ev.target);
    if (i < 0 || i === S.drag.end) return;
    view.setPreview(Math.min(S.drag.start, S.drag.end), Math.max(S.drag.start, S.drag.end), false);
    S.drag.end = i;
    view.setPreview(Math.min(S.drag.start, i), Math.max(S.drag.start, i), true);
  });
  document.addEventListener('mouseup', function (ev) {
    var d = S.drag;
    if (!d) return;
    S.drag = null;
    view.setPreview(Math.min(d.start, d.end), Math.max(d.start, d.end), false);
    var i = tokIndex(ev.target);
    if (i >= 0) d.end = i;
    if (d.start === d.end) {
      var owner = spanAt(S.current, d.start);
      if (owner) { onSpanClick(owner); return; }
      if (S.selected) { S.selected = null; view.refresh(); return; }
    }
    onCreate(d.start, d.end);
  });
  window.addEventListener('resize', function () { view.drawArrows(); });
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { view.drawArrows(); });
}

function bindKeys() {
  document.addEventListener('keydown', function (ev) {
    var tag = ev.target && ev.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    if ((ev.ctrlKey || ev.metaKey) && (ev.key === 's' || ev.key === 'S')) { ev.preventDefault(); save(); return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var key = ev.key;
    if (key === 'a') { ev.preventDefault(); answer('accept'); }
    else if (key === 'x') { ev.preventDefault(); answer('reject'); }
    else if (key === ' ' || key === 'Spacebar') { ev.preventDefault(); answer('ignore'); }
    else if (key === 'Backspace') { ev.preventDefault(); undo(); }
    else if (key === 'Escape') { S.selected = null; view.refresh(); }
    else if (key === 'Delete' || key === 'd') {
      var span = findSpan(S.current, S.selected);
      if (span) { ev.preventDefault(); actions.deleteSpan(span); }
    } else if (/^Digit[1-9]$/.test(ev.code) || /^[1-9]$/.test(key)) {
      var n = /^Digit[1-9]$/.test(ev.code) ? parseInt(ev.code.slice(5), 10) : parseInt(key, 10);
      var label = S.spanLabels[n - 1];
      if (!label) return;
      ev.preventDefault();
      var sel = findSpan(S.current, S.selected);
      if (ev.shiftKey && sel) actions.relabel(sel, label); else actions.setActiveLabel(label);
    }
  });
}

function bindButtons() {
  var buttons = document.querySelectorAll('.answer[data-answer]');
  for (var i = 0; i < buttons.length; i++) {
    (function (b) { b.addEventListener('click', function () { b.blur(); answer(b.dataset.answer); }); })(buttons[i]);
  }
  $('undo').addEventListener('click', function () { $('undo').blur(); undo(); });
  $('save').addEventListener('click', function () { $('save').blur(); save(); });
  $('banner-close').addEventListener('click', view.hideBanner);
  // A focused button would also react to space/enter: give the focus back to the page.
  document.addEventListener('click', function (ev) {
    var b = ev.target && ev.target.closest ? ev.target.closest('button') : null;
    if (b) b.blur();
  });
  $('show-arrows').addEventListener('change', function (ev) { S.showArrows = ev.target.checked; view.drawArrows(); });
  window.addEventListener('beforeunload', function (ev) {
    if (!S.outbox.length) return;
    try { beaconAnswers(S.outbox, S.session); } catch (e) { /* the prompt below still warns */ }
    ev.preventDefault();
    ev.returnValue = '';
  });
}

function start() {
  bindText(); bindKeys(); bindButtons();
  view.renderSaveState();
  var path = S.session ? 'project/' + encodeURIComponent(S.session) : 'project';
  api(path).then(function (p) {
    S.project = p;
    if (Array.isArray(p.relations_span_labels) && p.relations_span_labels.length) S.spanLabels = p.relations_span_labels.slice();
    if (Array.isArray(p.labels) && p.labels.length) S.relLabels = p.labels.slice();
    if (p.history_size !== undefined) S.historySize = Math.max(0, parseInt(p.history_size, 10) || 0);
    if (p.instant_submit) S.historySize = 0; // every answer is sent at once (no undo)
    if (Array.isArray(p.buttons)) {
      var shown = p.buttons;
      document.querySelectorAll('.answer[data-answer], #undo').forEach(function (b) {
        var name = b.dataset.answer || 'undo';
        if (shown.indexOf(name) < 0) b.style.display = 'none';
      });
    }
    var theme = (p.custom_theme && p.custom_theme.labels) || {};
    Object.keys(theme).forEach(function (k) { S.colors[k] = theme[k]; });
    S.spanLabels.forEach(view.colorOf);
    S.activeLabel = S.spanLabels[0];
    if (p.session_id) S.session = p.session_id;
    if (p.lang) $('text').setAttribute('lang', p.lang);
    $('where').textContent = 'dataset ' + p.dataset + (S.session ? ' · session ' + S.session : '');
    view.renderLabels();
    return fetchMore();
  }, function (err) {
    view.fatal(err.status === 403 ? err.message : 'Could not reach the annotation server: ' + err.message);
  });
}

window.quotesApp = { state: S, save: save }; // for tests and debugging
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
