/* prodigy-quotes annotation page (relations UI for QUOTE / SPEAKER / CUE): the page state, the task flow
 * (fetch, answer, undo, save) and the events. ES modules, no build step: api.js talks to the server, edit.js
 * edits a task (pure, tested with node), render.js draws the state. */
import { api, beaconAnswers, endSession } from './api.js';
import { addSpan, clone, deleteSpan, findSpan, prepare, relabel, removeLink, short, spanAt, spanKey, textOf, toggleLink } from './edit.js';
import { $, createView } from './render.js';

var AUTOSAVE_MS = 20000;
var ALIVE_MS = 30000; // the server releases the tasks of a page that stops saying it is alive (release_after)
var EDIT_HISTORY = 50;

var params = new URLSearchParams(window.location.search);
var S = {
  project: null,
  session: params.get('session') || null, // name from the URL, then the full id from the server
  spanLabels: ['QUOTE', 'SPEAKER', 'CUE'],
  relLabels: ['SPEAKER', 'CUE'],
  colors: {},
  linkColors: {},
  historySize: 10,
  queue: [],
  current: null,
  outbox: [],       // answered, not yet saved (undo works on these)
  sending: null,    // the answers of the request in flight
  fetching: false,
  exhausted: false,
  activeLabel: 'QUOTE',
  armed: false,     // a label was picked for this task: a single click on a word then adds a one-word span
  hover: null,      // key of the span under the mouse: its links are drawn emphasised
  edits: [],        // earlier versions of the current task, for undoing edits (z)
  speakerNames: {}, // quote key -> {name, resolved, id}: who the server says each quote's speaker is
  selected: null,   // key "start:end" of the selected span
  drag: null,
  validating: false, // an answer is being checked by the server
  tokEls: [],
  gapEls: [],   // the whitespace after each token (null when none)
  tags: [],
  stats: { total: 0, session_total: 0, progress: null, remaining: null, held_by_others: 0 },
  autosaveTimer: null,
  pollTimer: null,
  aliveTimer: null,
  showArrows: false // all arrows; those of the selected or hovered span are always drawn
};

// ---------------------------------------------------------------- editing (edit.js on the current task)

function remember() {
  S.edits.push(clone(S.current));
  if (S.edits.length > EDIT_HISTORY) S.edits.shift();
}

function undoEdit() {
  if (!S.current || !S.edits.length) { view.flash('No edit to undo on this task.'); return; }
  S.current = S.edits.pop();
  S.selected = null;
  view.refresh();
  view.flash('Edit undone.');
}

var actions = {
  setActiveLabel: function (label) { S.activeLabel = label; S.armed = true; view.renderLabels(); },
  relabel: function (span, label) { remember(); relabel(S.current, span, label, S.relLabels); view.refresh(); },
  deleteSpan: function (span) {
    remember();
    var gone = deleteSpan(S.current, span, S.relLabels);
    if (S.selected === spanKey(span)) S.selected = null;
    view.refresh();
    var also = gone.slice(1).map(function (s) { return s.label + ' “' + short(textOf(S.current, s) || s.text || '', 20) + '”'; });
    view.flash('Deleted ' + span.label + (also.length ? ' with ' + also.join(', ') + ' (used by no other quote)' : '') + '. Press z to undo.');
  },
  removeLink: function (rel) { remember(); removeLink(S.current, rel); view.refresh(); resolveSpeakers(); },
  hover: function (key) { if (S.hover !== key) { S.hover = key; view.drawArrows(); } }
};
var view = createView(S, actions);

function link(head, child, inSameEdit, label) {
  if (!inSameEdit) remember();
  var added = toggleLink(S.current, head, child, label);
  view.flash((added ? 'Linked ' : 'Removed link ') + (label ? head.label + ' → ' + label + ' ' : head.label + ' → ') +
    child.label + ' “' + short(child.text || textOf(S.current, child), 30) + '”.');
  resolveSpeakers();
}

/* Ask the server who each quote's speaker is (pronouns and short forms resolved), for the side list. */
var resolveTimer = null;
function resolveSpeakers() {
  clearTimeout(resolveTimer);
  resolveTimer = setTimeout(function () {
    var task = S.current;
    if (!task) return;
    api('event/resolve-speakers', { task: { text: task.text, spans: task.spans, relations: task.relations } }).then(function (data) {
      if (S.current !== task) return;
      S.speakerNames = {};
      (data.speakers || []).forEach(function (r) { S.speakerNames[r.start + ':' + r.end] = r; });
      view.refresh();
    }, function () { /* names are a help, not needed to annotate */ });
  }, 150);
}

function onSpanClick(span) {
  var sel = findSpan(S.current, S.selected);
  if (sel && sel !== span) {
    var selHead = !view.isChildLabel(sel.label), spanHead = !view.isChildLabel(span.label);
    if (selHead && !spanHead) { link(sel, span); view.refresh(); return; }
    if (!selHead && spanHead) { link(span, sel); view.refresh(); return; }
    if (sel.label === 'SPEAKER' && span.label === 'SPEAKER') { // "er" → "Kim Jong Un": who the mention means
      link(sel, span, false, 'COREF'); S.selected = null; view.refresh(); return;
    }
  }
  S.selected = sel === span ? null : spanKey(span);
  view.refresh();
}

function onCreate(a, b) {
  var sel = findSpan(S.current, S.selected);
  var before = clone(S.current);
  var added = addSpan(S.current, a, b, S.activeLabel);
  if (!added) return;
  S.edits.push(before);
  var span = added.span, removed = added.removed;
  if (removed.length) view.flash('Replaced ' + removed.length + ' overlapping span' + (removed.length > 1 ? 's' : '') + '.');
  if (sel && findSpan(S.current, spanKey(sel)) && !view.isChildLabel(sel.label) && view.isChildLabel(span.label)) {
    link(sel, span, true); // a speaker/cue drawn while a quote is selected belongs to that quote
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
    dropStale(data.stale);
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

/* Tasks the server gave to someone else (this page was away, or an idle annotator took them): drop them from the
 * queue before anyone spends time on them; the open one stays, with a warning. */
function dropStale(stale) {
  if (!stale || !stale.length) return;
  var gone = {};
  stale.forEach(function (h) { gone[h] = true; });
  var before = S.queue.length;
  S.queue = S.queue.filter(function (t) { return !gone[t._task_hash]; });
  if (S.current && gone[S.current._task_hash]) {
    view.banner('Another annotator now has this task (this page was away or idle). Your answer is kept in your ' +
      'session, but the dataset keeps theirs if they answer first. Skip it with space if you like.');
  } else if (before !== S.queue.length) {
    view.flash((before - S.queue.length) + ' queued task(s) went to another annotator and were dropped here.');
  }
  if (S.queue.length < 2 && !S.exhausted) fetchMore();
}

/* Tell the server the page is open (so its tasks stay its own) and learn which went stale. */
function keepAlive() {
  clearTimeout(S.aliveTimer);
  S.aliveTimer = null;
  if (document.visibilityState === 'hidden' || !S.project) return;
  api('keep_alive', { session_id: S.session, held: heldHashes() }).then(function (data) {
    updateStats(data);
    dropStale(data.stale);
  }, function () { /* the next call tries again */ }).then(function () {
    if (document.visibilityState !== 'hidden') S.aliveTimer = setTimeout(keepAlive, ALIVE_MS);
  });
}

function updateStats(data) {
  ['total', 'session_total', 'progress', 'remaining', 'held_by_others'].forEach(function (k) {
    if (data && data[k] !== undefined) S.stats[k] = data[k];
  });
  view.renderCounter();
}

// ---------------------------------------------------------------- task flow

function next() {
  S.current = S.queue.length ? prepare(S.queue.shift()) : null;
  S.selected = null;
  S.hover = null;
  S.edits = [];
  S.armed = false;
  S.speakerNames = {};
  view.renderLabels();
  view.renderTask();
  resolveSpeakers();
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
  S.edits = [];
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
    if (data && data.kept_in_session) {
      view.banner(data.kept_in_session + ' of these tasks had already been answered by another annotator: the dataset ' +
        'keeps their answer, yours is kept in your session (' + S.session + ').');
    } else if (data && data.duplicates) {
      view.banner(data.duplicates + ' of these answers had already been saved from this session and were not stored again.');
    }
    dropStale(data && data.stale);
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
      if (!S.armed) { // a stray click adds nothing: drag over words, or pick a label first for a one-word span
        view.flash('To add a span, drag over the words – or pick a label (1–' + S.spanLabels.length + ') and click one word.');
        return;
      }
    }
    onCreate(d.start, d.end);
  });
  text.addEventListener('mouseover', function (ev) {
    if (S.drag || !S.current) return;
    var i = tokIndex(ev.target), span = i >= 0 ? spanAt(S.current, i) : null;
    actions.hover(span ? spanKey(span) : null);
  });
  text.addEventListener('mouseleave', function () { actions.hover(null); });
  window.addEventListener('resize', function () { view.drawArrows(); });
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { view.drawArrows(); });
}

function bindKeys() {
  document.addEventListener('keydown', function (ev) {
    var tag = ev.target && ev.target.tagName;
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') return;
    if ((ev.ctrlKey || ev.metaKey) && (ev.key === 's' || ev.key === 'S')) { ev.preventDefault(); save(); return; }
    if ((ev.ctrlKey || ev.metaKey) && (ev.key === 'z' || ev.key === 'Z')) { ev.preventDefault(); undoEdit(); return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var key = ev.key;
    if (key === 'a') { ev.preventDefault(); answer('accept'); }
    else if (key === 'x') { ev.preventDefault(); answer('reject'); }
    else if (key === ' ' || key === 'Spacebar') { ev.preventDefault(); answer('ignore'); }
    else if (key === 'Backspace') { ev.preventDefault(); undo(); }
    else if (key === 'z' || key === 'Z') { ev.preventDefault(); undoEdit(); }
    else if (key === 'Escape') { S.selected = null; S.armed = false; view.refresh(); view.renderLabels(); }
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
  // Closing the page gives its unanswered tasks back at once; a hidden page stops saying it is alive, so the
  // server releases them after a while, and the page checks what is still its own when it is shown again.
  window.addEventListener('pagehide', function () {
    if (S.project) { try { endSession(S.session); } catch (e) { /* the server times the session out */ } }
  });
  window.addEventListener('pageshow', function (ev) { if (ev.persisted && S.project) { fetchMore(); keepAlive(); } });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') keepAlive(); else { clearTimeout(S.aliveTimer); S.aliveTimer = null; }
  });
}

function headerHeight() {
  document.documentElement.style.setProperty('--header-h', $('top').offsetHeight + 'px');
}

function start() {
  bindText(); bindKeys(); bindButtons();
  headerHeight();
  window.addEventListener('resize', headerHeight);
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
    S.linkColors = p.link_colours || {};
    S.spanLabels.forEach(view.colorOf);
    S.activeLabel = S.spanLabels[0];
    if (p.session_id) S.session = p.session_id;
    if (p.lang) $('text').setAttribute('lang', p.lang);
    $('where').textContent = 'dataset ' + p.dataset + (S.session ? ' · session ' + S.session : '');
    view.renderLabels();
    S.aliveTimer = setTimeout(keepAlive, ALIVE_MS);
    return fetchMore();
  }, function (err) {
    view.fatal(err.status === 403 ? err.message : 'Could not reach the annotation server: ' + err.message);
  });
}

window.quotesApp = { state: S, save: save }; // for tests and debugging
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
