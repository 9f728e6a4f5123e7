// The page state and its update functions (recipes/server/static/state.js), without a browser: node --test tests/js/
import test from 'node:test';
import assert from 'node:assert/strict';
import * as state from '../../recipes/server/static/state.js';

function task(hash, text) { return { _task_hash: hash, text: text || 'Ja , sagte Kim .', meta: {} }; }

test('addTasks queues only what the page does not hold yet, and says when nothing came', () => {
  const S = state.createState('ann');
  assert.equal(state.addTasks(S, { session_id: 'ds-ann', tasks: [task(1), task(2)] }), 2);
  assert.equal(S.session, 'ds-ann');
  state.openNext(S);
  assert.equal(S.current._task_hash, 1);
  assert.equal(state.addTasks(S, { tasks: [task(1), task(2)] }), 0); // open and queued: held already
  assert.equal(S.exhausted, true);
  assert.deepEqual(state.heldHashes(S), [2, 1]);
});

test('dropStale drops queued tasks another annotator has and says whether the open one is among them', () => {
  const S = state.createState();
  state.addTasks(S, { tasks: [task(1), task(2), task(3)] });
  state.openNext(S);
  assert.deepEqual(state.dropStale(S, [2, 9]), { dropped: 1, current: false });
  assert.deepEqual(S.queue.map((t) => t._task_hash), [3]);
  assert.deepEqual(state.dropStale(S, [1]), { dropped: 0, current: true });
  assert.equal(S.current._task_hash, 1); // the open task stays open
});

test('an answer can be taken back until it is being sent, and the open task goes back to the queue', () => {
  const S = state.createState();
  state.addTasks(S, { tasks: [task(1), task(2)] });
  state.openNext(S);
  state.answerTask(S, Object.assign({}, S.current, { answer: 'accept' }));
  assert.equal(S.current, null);
  state.openNext(S);
  assert.equal(state.takeBackAnswer(S), null);
  assert.equal(S.current._task_hash, 1);
  assert.equal(S.current.answer, undefined);
  assert.deepEqual(S.queue.map((t) => t._task_hash), [2]);
  state.answerTask(S, Object.assign({}, S.current, { answer: 'reject' }));
  const batch = state.startSending(S);
  assert.equal(batch.length, 1);
  assert.match(state.takeBackAnswer(S), /being saved/);
  state.sent(S, batch);
  assert.deepEqual([S.outbox.length, S.sending], [0, null]);
  assert.match(state.takeBackAnswer(S), /Nothing to undo/);
});

test('refused answers go back to the front of the queue, unanswered, before the open task', () => {
  const S = state.createState();
  state.addTasks(S, { tasks: [task(1), task(2), task(3)] });
  for (let i = 0; i < 2; i++) {
    state.openNext(S);
    state.answerTask(S, Object.assign({}, S.current, { answer: 'accept' }));
  }
  state.openNext(S);
  const batch = state.startSending(S);
  assert.equal(state.returnRefused(S, batch, { 2: 'a relation from a speaker' }), 1);
  assert.deepEqual(S.outbox.map((a) => a._task_hash), [1]);
  assert.deepEqual(S.queue.map((t) => t._task_hash), [2, 3]);
  assert.equal(S.queue[0].answer, undefined);
  assert.equal(S.sending, null);
});

test('edits are undone in order, and opening a task forgets them and the selection', () => {
  const S = state.createState();
  state.addTasks(S, { tasks: [task(1)] });
  state.openNext(S);
  state.rememberEdit(S);
  S.current.spans.push({ start: 0, end: 2, label: 'QUOTE' }); // as edit.js changes the open task
  state.select(S, '0:2');
  assert.equal(state.undoEdit(S), true);
  assert.deepEqual([S.current.spans.length, S.selected], [0, null]);
  assert.equal(state.undoEdit(S), false);
  state.rememberEdit(S);
  state.pickLabel(S, 'SPEAKER');
  state.openTask(S, null);
  assert.deepEqual([S.edits.length, S.armed, S.selected], [0, false, null]);
});

test('the project gives labels, colours and history size; an unknown label still gets a colour', () => {
  const S = state.createState('ann');
  state.applyProject(S, {
    relations_span_labels: ['QUOTE', 'SPEAKER', 'CUE', 'EXTRA'], labels: ['SPEAKER', 'CUE'], history_size: 3,
    custom_theme: { labels: { QUOTE: '#111111' } }, link_colours: { SPEAKER: '#222222' }, session_id: 'ds-ann'
  });
  assert.equal(state.colourOf(S, 'QUOTE'), '#111111');
  assert.match(state.colourOf(S, 'EXTRA'), /^#[0-9a-f]{6}$/);
  assert.equal(state.colourOf(S, 'OTHER'), state.colourOf(S, 'OTHER'));
  assert.equal(state.linkColourOf(S, 'SPEAKER'), '#222222');
  assert.deepEqual([S.historySize, S.activeLabel, S.session], [3, 'QUOTE', 'ds-ann']);
  assert.equal(state.isChildLabel(S, 'CUE'), true);
  assert.equal(state.isChildLabel(S, 'QUOTE'), false);
});

test('a drag remembers where it started and reports the range it covered before each move', () => {
  const S = state.createState();
  state.startDrag(S, 4);
  assert.deepEqual(state.moveDrag(S, 6), [4, 4]);
  assert.equal(state.moveDrag(S, 6), null);
  assert.deepEqual(state.moveDrag(S, 2), [4, 6]);
  assert.deepEqual(state.endDrag(S, 1), { start: 4, end: 1 });
  assert.equal(S.drag, null);
  assert.equal(state.endDrag(S, 1), null);
});
