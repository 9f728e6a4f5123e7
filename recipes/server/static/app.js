/* prodigy-quotes annotation page (relations UI for QUOTE / SPEAKER / CUE): the task flow (fetch, answer, undo,
 * save) and the events. ES modules, no build step: api.js talks to the server, edit.js edits a task, state.js
 * holds the page state and the functions that change it (both pure, tested with node), render.js draws the
 * state and never changes it. */
import { api, beaconAnswers, endSession } from './api.js';
import { addSpan, clone, deleteSpan, findSpan, relabel, removeLink, short, spanAt, spanKey, textOf, toggleLink } from './edit.js';
import { $, createView } from './render.js';
import * as state from './state.js';

var AUTOSAVE_MS = 20000;
var ALIVE_MS = 30000; // the server releases the tasks of a page that stops saying it is alive (release_after)

var params = new URLSearchParams(window.location.search);
var S = state.createState(params.get('session'));
var timers = { autosave: null, poll: null, alive: null, resolve: null };
// ---------------------------------------------------------------- editing (edit.js on the current task)

function undoEdit() {
  if (!state.undoEdit(S)) { view.flash('No edit to undo on this task.'); return; }
  view.refresh();
  view.flash('Edit undone.');
}

var actions = {
  setActiveLabel: function (label) { state.pickLabel(S, label); view.renderLabels(); },
  relabel: function (span, label) { state.rememberEdit(S); relabel(S.current, span, label, S.relLabels); view.refresh(); },
  deleteSpan: function (span) {
    state.rememberEdit(S);
    var gone = deleteSpan(S.current, span, S.relLabels);
    if (S.selected === spanKey(span)) state.select(S, null);
    view.refresh();
    var also = gone.slice(1).map(function (s) { return s.label + ' “' + short(textOf(S.current, s) || s.text || '', 20) + '”'; });
    view.flash('Deleted ' + span.label + (also.length ? ' with ' + also.join(', ') + ' (used by no other quote)' : '') + '. Press z to undo.');
  },
  removeLink: function (rel) { state.rememberEdit(S); removeLink(S.current, rel); view.refresh(); resolveSpeakers(); },
  hover: function (key) { if (state.setHover(S, key)) view.drawArrows(); },
  selectQuote: function (quote) {
    state.toggleSelect(S, spanKey(quote));
    view.refresh();
    if (S.selected) view.reveal(quote);
  }
};
var view = createView(S, actions);

function link(head, child, inSameEdit, label) {
  if (!inSameEdit) state.rememberEdit(S);
  var added = toggleLink(S.current, head, child, label);
  view.flash((added ? 'Linked ' : 'Removed link ') + (label ? head.label + ' → ' + label + ' ' : head.label + ' → ') +
    child.label + ' “' + short(child.text || textOf(S.current, child), 30) + '”.');
  resolveSpeakers();
}

/* Ask the server who each quote's speaker is (pronouns and short forms resolved), for the side list. */
function resolveSpeakers() {
  clearTimeout(timers.resolve);
  timers.resolve = setTimeout(function () {
    var task = S.current;
    if (!task) return;
    api('event/resolve-speakers', { task: { text: task.text, spans: task.spans, relations: task.relations } }).then(function (data) {
      if (state.setSpeakerNames(S, task, data.speakers)) view.refresh();
    }, function () { /* names are a help, not needed to annotate */ });
  }, 150);
}

function onSpanClick(span) {
  var sel = findSpan(S.current, S.selected);
  if (sel && sel !== span) {
    var selHead = !state.isChildLabel(S, sel.label), spanHead = !state.isChildLabel(S, span.label);
    if (selHead && !spanHead) { link(sel, span); view.refresh(); return; }
    if (!selHead && spanHead) { link(span, sel); view.refresh(); return; }
    if (sel.label === 'SPEAKER' && span.label === 'SPEAKER') { // "er" → "Kim Jong Un": who the mention means
      link(sel, span, false, 'COREF'); state.select(S, null); view.refresh(); return;
    }
  }
  state.select(S, sel === span ? null : spanKey(span));
  view.refresh();
}

function onCreate(a, b) {
  var sel = findSpan(S.current, S.selected);
  var before = clone(S.current);
  var added = addSpan(S.current, a, b, S.activeLabel);
  if (!added) return;
  state.rememberEdit(S, before);
  var span = added.span, removed = added.removed;
  if (removed.length) view.flash('Replaced ' + removed.length + ' overlapping span' + (removed.length > 1 ? 's' : '') + '.');
  if (sel && findSpan(S.current, spanKey(sel)) && !state.isChildLabel(S, sel.label) && state.isChildLabel(S, span.label)) {
    link(sel, span, true); // a speaker/cue drawn while a quote is selected belongs to that quote
  } else {
    state.select(S, spanKey(span));
  }
  view.refresh();
}

// ---------------------------------------------------------------- server calls and task flow

function fetchMore() {
  if (S.fetching) return Promise.resolve();
  state.setFetching(S, true);
  return api('get_session_questions', { session_id: S.session, held: state.heldHashes(S) }).then(function (data) {
    state.setFetching(S, false);
    state.addTasks(S, data);
    updateStats(data);
    dropStale(data.stale);
    if (!S.current) next();
    // Out of work: look again now and then (another annotator may end their session).
    if (S.exhausted && !S.current && !timers.poll) {
      timers.poll = setTimeout(function () { timers.poll = null; if (!S.current) fetchMore(); }, 15000);
    }
  }, function (err) {
    state.setFetching(S, false);
    if (err.status === 403) { fatal(err.message); return; }
    view.banner('Could not load tasks: ' + err.message + '. Retrying…');
    setTimeout(fetchMore, 3000);
  });
}

/* Tasks the server gave to someone else (this page was away, or an idle annotator took them): drop them from the
 * queue before anyone spends time on them; the open one stays, with a warning. */
function dropStale(stale) {
  if (!stale || !stale.length) return;
  var gone = state.dropStale(S, stale);
  if (gone.current) {
    view.banner('Another annotator now has this task (this page was away or idle). Your answer is kept in your ' +
      'session, but the dataset keeps theirs if they answer first. Skip it with space if you like.');
  } else if (gone.dropped) {
    view.flash(gone.dropped + ' queued task(s) went to another annotator and were dropped here.');
  }
  if (S.queue.length < 2 && !S.exhausted) fetchMore();
}

/* Tell the server the page is open (so its tasks stay its own) and learn which went stale. */
function keepAlive() {
  clearTimeout(timers.alive);
  timers.alive = null;
  if (document.visibilityState === 'hidden' || !S.project) return;
  api('keep_alive', { session_id: S.session, held: state.heldHashes(S) }).then(function (data) {
    updateStats(data);
    dropStale(data.stale);
  }, function () { /* the next call tries again */ }).then(function () {
    if (document.visibilityState !== 'hidden') timers.alive = setTimeout(keepAlive, ALIVE_MS);
  });
}

function updateStats(data) {
  state.setStats(S, data);
  view.renderCounter();
}

function fatal(msg) {
  state.stop(S);
  view.fatal(msg);
}

// ---------------------------------------------------------------- task flow

function next() {
  state.openNext(S);
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
    state.answerTask(S, eg);
    view.hideBanner();
    next();
    view.renderSaveState();
    if (S.outbox.length > S.historySize) save(S.outbox.length - S.historySize);
    armAutosave();
  };
  if (S.project && S.project.validate_answer) {
    state.setValidating(S, true);
    api('validate_answer', { answer: eg }).then(function (res) {
      state.setValidating(S, false);
      if (res && res.valid === false) { view.banner('This answer was not accepted: ' + res.error); return; }
      go();
    }, function (err) { state.setValidating(S, false); view.banner('Could not check the answer: ' + err.message); });
  } else {
    go();
  }
}

function undo() {
  var refused = state.takeBackAnswer(S);
  if (refused) { view.flash(refused); return; }
  view.renderTask();
  view.renderSaveState();
}

function armAutosave() {
  if (timers.autosave || !S.outbox.length) return;
  timers.autosave = setTimeout(function () { timers.autosave = null; save(); }, AUTOSAVE_MS);
}

function save(count) {
  if (S.sending) return Promise.resolve();
  var batch = state.startSending(S, count);
  if (!batch) { view.renderSaveState(); return Promise.resolve(); }
  view.renderSaveState('saving…');
  return api('give_answers', { answers: batch, session_id: S.session }).then(function (data) {
    state.sent(S, batch);
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
    if (err.status === 400 && err.data && err.data.errors) {
      var bad = {};
      err.data.errors.forEach(function (e) { bad[e._task_hash] = e.error; });
      state.returnRefused(S, batch, bad);
      next();
      view.banner('Not saved, please fix: ' + err.data.errors.map(function (e) { return e.error; }).join('; '));
      if (S.outbox.length) save();
      return;
    }
    state.sendFailed(S);
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
    state.startDrag(S, i);
  });
  text.addEventListener('mouseover', function (ev) {
    if (!S.drag) return;
    var i = tokIndex(ev.target);
    if (i < 0) return;
    var before = state.moveDrag(S, i);
    if (!before) return;
    view.setPreview(before[0], before[1], false);
    view.setPreview(Math.min(S.drag.start, i), Math.max(S.drag.start, i), true);
  });
  document.addEventListener('mouseup', function (ev) {
    if (!S.drag) return;
    view.setPreview(Math.min(S.drag.start, S.drag.end), Math.max(S.drag.start, S.drag.end), false);
    var d = state.endDrag(S, tokIndex(ev.target));
    if (d.start === d.end) {
      var owner = spanAt(S.current, d.start);
      if (owner) { onSpanClick(owner); return; }
      if (S.selected) { state.select(S, null); view.refresh(); return; }
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
    else if (key === 'Escape') { state.clearSelection(S); view.refresh(); view.renderLabels(); }
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
  $('show-arrows').addEventListener('change', function (ev) { state.setShowArrows(S, ev.target.checked); view.drawArrows(); });
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
    if (document.visibilityState === 'visible') keepAlive(); else { clearTimeout(timers.alive); timers.alive = null; }
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
    state.applyProject(S, p);
    if (Array.isArray(p.buttons)) {
      var shown = p.buttons;
      document.querySelectorAll('.answer[data-answer], #undo').forEach(function (b) {
        var name = b.dataset.answer || 'undo';
        if (shown.indexOf(name) < 0) b.style.display = 'none';
      });
    }
    if (p.lang) $('text').setAttribute('lang', p.lang);
    $('where').textContent = 'dataset ' + p.dataset + (S.session ? ' · session ' + S.session : '');
    view.renderLabels();
    timers.alive = setTimeout(keepAlive, ALIVE_MS);
    return fetchMore();
  }, function (err) {
    fatal(err.status === 403 ? err.message : 'Could not reach the annotation server: ' + err.message);
  });
}

window.quotesApp = { state: S, save: save }; // for tests and debugging
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
