/* The page state, and the only functions that change it. app.js (events, server calls) calls them; render.js
 * only reads the state. Plain functions on a plain object: tested with node (tests/js/state.test.js). */
import { clone, prepare } from './edit.js';

var EDIT_HISTORY = 50;
// the labels' own colours come from the recipe's config (custom_theme.labels, link_colours: prodigy_quotes.schema);
// a label it does not colour takes a colour of these, by its place among the labels
var PALETTE = ['#ffc9de', '#d4c4ff', '#c2f0e4', '#ffe3b3', '#cfe3ff', '#e6f5b0'];
var LINK_PALETTE = ['#c62828', '#6d4c41', '#00838f', '#ef6c00'];

export function createState(session) {
  return {
    project: null,
    session: session || null, // name from the URL, then the full id from the server
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
    drag: null,       // {start, end} token indices while the mouse draws a span
    validating: false, // an answer is being checked by the server
    stats: { total: 0, session_total: 0, progress: null, remaining: null, held_by_others: 0 },
    showArrows: false // all arrows; those of the selected or hovered span are always drawn
  };
}

// ---------------------------------------------------------------- the project's settings

/* Take the recipe's settings (GET /project): labels, history size, colours, the full session id. */
export function applyProject(S, p) {
  S.project = p;
  if (Array.isArray(p.relations_span_labels) && p.relations_span_labels.length) S.spanLabels = p.relations_span_labels.slice();
  if (Array.isArray(p.labels) && p.labels.length) S.relLabels = p.labels.slice();
  if (p.history_size !== undefined) S.historySize = Math.max(0, parseInt(p.history_size, 10) || 0);
  if (p.instant_submit) S.historySize = 0; // every answer is sent at once (no undo)
  var theme = (p.custom_theme && p.custom_theme.labels) || {};
  Object.keys(theme).forEach(function (k) { S.colors[k] = theme[k]; });
  S.linkColors = p.link_colours || {};
  S.spanLabels.forEach(function (label) {
    if (!(label in S.colors)) S.colors[label] = PALETTE[Object.keys(S.colors).length % PALETTE.length];
  });
  S.activeLabel = S.spanLabels[0];
  if (p.session_id) S.session = p.session_id;
}

export function colourOf(S, label) {
  if (label in S.colors) return S.colors[label];
  var i = S.relLabels.indexOf(label);
  return PALETTE[(Object.keys(S.colors).length + (i < 0 ? 0 : i)) % PALETTE.length];
}

export function linkColourOf(S, label) {
  if (S.linkColors[label]) return S.linkColors[label];
  var i = S.relLabels.indexOf(label);
  return LINK_PALETTE[(i < 0 ? 0 : i) % LINK_PALETTE.length];
}

export function isChildLabel(S, label) { return S.relLabels.indexOf(label) >= 0; }

// ---------------------------------------------------------------- the open task

/* Show ``task`` (or nothing): nothing selected, no edits to undo, no names resolved yet. */
export function openTask(S, task) {
  S.current = task;
  S.selected = null;
  S.hover = null;
  S.edits = [];
  S.armed = false;
  S.speakerNames = {};
}

export function openNext(S) { openTask(S, S.queue.length ? prepare(S.queue.shift()) : null); }

/* No more work on this page (the session was refused or the server is gone). */
export function stop(S) {
  S.exhausted = true;
  S.current = null;
}

export function select(S, key) { S.selected = key || null; }
export function toggleSelect(S, key) { S.selected = S.selected === key ? null : key; }

/* Whether the span under the mouse changed. */
export function setHover(S, key) {
  if (S.hover === key) return false;
  S.hover = key;
  return true;
}

export function pickLabel(S, label) { S.activeLabel = label; S.armed = true; }
export function clearSelection(S) { S.selected = null; S.armed = false; }
export function setShowArrows(S, on) { S.showArrows = !!on; }

/* Keep the task as it is (or as it was, ``before``), so the next edit can be undone. */
export function rememberEdit(S, before) {
  S.edits.push(before || clone(S.current));
  if (S.edits.length > EDIT_HISTORY) S.edits.shift();
}

/* Back to the task before the last edit; false when there is none. */
export function undoEdit(S) {
  if (!S.current || !S.edits.length) return false;
  S.current = S.edits.pop();
  S.selected = null;
  return true;
}

/* Who each quote's speaker is, as the server's resolve-speakers hook says, for ``task`` if it is still open. */
export function setSpeakerNames(S, task, speakers) {
  if (S.current !== task) return false;
  S.speakerNames = {};
  (speakers || []).forEach(function (r) { S.speakerNames[r.start + ':' + r.end] = r; });
  return true;
}

export function startDrag(S, i) { S.drag = { start: i, end: i }; }

/* Move the drag's end to token ``i``; the range it covered before, or null when nothing changed. */
export function moveDrag(S, i) {
  if (!S.drag || i === S.drag.end) return null;
  var before = [Math.min(S.drag.start, S.drag.end), Math.max(S.drag.start, S.drag.end)];
  S.drag.end = i;
  return before;
}

/* End the drag (at token ``i`` if the mouse is on one); the drag as it ended, or null when there was none. */
export function endDrag(S, i) {
  var d = S.drag;
  S.drag = null;
  if (d && i >= 0) d.end = i;
  return d;
}

// ---------------------------------------------------------------- the queue, answers and saving

/* The tasks this page holds: queued, open and answered but not yet saved. */
export function heldHashes(S) {
  var held = S.queue.map(function (t) { return t._task_hash; });
  if (S.current) held.push(S.current._task_hash);
  S.outbox.forEach(function (a) { held.push(a._task_hash); });
  return held;
}

export function setFetching(S, on) { S.fetching = !!on; }
export function setValidating(S, on) { S.validating = !!on; }

/* Queue the tasks of a get_session_questions reply that the page does not hold yet; how many were new. */
export function addTasks(S, data) {
  S.session = data.session_id || S.session;
  var have = {};
  heldHashes(S).forEach(function (h) { have[h] = true; });
  var fresh = (data.tasks || []).filter(function (t) { return !have[t._task_hash]; });
  S.queue = S.queue.concat(fresh);
  S.exhausted = fresh.length === 0;
  return fresh.length;
}

/* Drop the queued tasks the server gave to someone else: {dropped: how many, current: whether the open one is
 * among them (it stays open)}. */
export function dropStale(S, stale) {
  var gone = {};
  (stale || []).forEach(function (h) { gone[h] = true; });
  var before = S.queue.length;
  S.queue = S.queue.filter(function (t) { return !gone[t._task_hash]; });
  return { dropped: before - S.queue.length, current: !!(S.current && gone[S.current._task_hash]) };
}

export function setStats(S, data) {
  ['total', 'session_total', 'progress', 'remaining', 'held_by_others'].forEach(function (k) {
    if (data && data[k] !== undefined) S.stats[k] = data[k];
  });
}

/* Answer the open task: it goes to the outbox and the page has no task open until the next one. */
export function answerTask(S, eg) {
  S.outbox.push(eg);
  S.current = null;
}

/* Take the last unsaved answer back to correct it; the reason as a string when it can't be. */
export function takeBackAnswer(S) {
  if (!S.outbox.length) return 'Nothing to undo: saved answers cannot be undone.';
  var last = S.outbox[S.outbox.length - 1];
  if (S.sending && S.sending.indexOf(last) >= 0) return 'That answer is being saved and cannot be undone.';
  S.outbox.pop();
  if (S.current) S.queue.unshift(S.current);
  delete last.answer;
  S.current = last;
  S.selected = null;
  S.edits = [];
  return null;
}

/* The first ``count`` answers of the outbox (all by default) as the batch now being sent. */
export function startSending(S, count) {
  var n = count === undefined ? S.outbox.length : Math.min(count, S.outbox.length);
  S.sending = n ? S.outbox.slice(0, n) : null;
  return S.sending;
}

/* The batch was stored: out of the outbox. */
export function sent(S, batch) {
  S.sending = null;
  S.outbox = S.outbox.filter(function (a) { return batch.indexOf(a) < 0; });
}

export function sendFailed(S) { S.sending = null; }

/* The server refused these answers of the batch (``bad``: task hash -> error): they go back to the front of the
 * queue, unanswered, before the open task, to be fixed. */
export function returnRefused(S, batch, bad) {
  S.sending = null;
  var back = batch.filter(function (a) { return a._task_hash in bad; });
  S.outbox = S.outbox.filter(function (a) { return back.indexOf(a) < 0; });
  if (S.current) S.queue.unshift(S.current);
  back.reverse().forEach(function (a) { delete a.answer; S.queue.unshift(a); });
  S.current = null;
  return back.length;
}
