// The page's pure task editing (recipes/server/static/edit.js), without a browser: node --test tests/js/
import test from 'node:test';
import assert from 'node:assert/strict';
import { addSpan, deleteSpan, findSpan, prepare, relabel, spanAt, spanKey, toggleLink } from '../../recipes/server/static/edit.js';

const REL = ['SPEAKER', 'CUE'];

function task() {
  // „Ja“ , sagte Kim .   (tokens 0..5)
  return prepare({ text: '„Ja“ , sagte Kim .', meta: {} });
}

test('a task without tokens gets whitespace tokens with offsets', () => {
  const t = task();
  assert.deepEqual(t.tokens.map((x) => [x.text, x.start, x.end]), [['„Ja“', 0, 4], [',', 5, 6], ['sagte', 7, 12], ['Kim', 13, 16], ['.', 17, 18]]);
  assert.deepEqual(t.spans, []);
  assert.deepEqual(t.relations, []);
});

test('addSpan covers tokens in either order, with character offsets and text', () => {
  const t = task();
  const { span, removed } = addSpan(t, 3, 2, 'SPEAKER');
  assert.deepEqual([span.start, span.end, span.token_start, span.token_end, span.text], [7, 16, 2, 3, 'sagte Kim']);
  assert.equal(removed.length, 0);
  assert.equal(findSpan(t, '7:16'), span);
});

test('an overlapping new span replaces the old one and its relations', () => {
  const t = task();
  const quote = addSpan(t, 0, 0, 'QUOTE').span;
  const speaker = addSpan(t, 3, 3, 'SPEAKER').span;
  assert.equal(toggleLink(t, quote, speaker), true);
  const { removed } = addSpan(t, 2, 3, 'CUE');
  assert.deepEqual(removed, [speaker]);
  assert.deepEqual(t.relations, []);
  assert.deepEqual(t.spans.map(spanKey), ['0:4', '7:16']);
});

test('a link runs from the head to the child on their last tokens, and a second toggle removes it', () => {
  const t = task();
  const quote = addSpan(t, 0, 0, 'QUOTE').span;
  const speaker = addSpan(t, 3, 3, 'SPEAKER').span;
  toggleLink(t, quote, speaker);
  assert.deepEqual(t.relations.map((r) => [r.head, r.child, r.label, r.head_span.label, r.child_span.label]), [[0, 3, 'SPEAKER', 'QUOTE', 'SPEAKER']]);
  assert.equal(toggleLink(t, quote, speaker), false);
  assert.deepEqual(t.relations, []);
});

test('relabelling a child keeps its link under the new label; turning it into a head drops the link', () => {
  const t = task();
  const quote = addSpan(t, 0, 0, 'QUOTE').span;
  const word = addSpan(t, 2, 2, 'SPEAKER').span;
  toggleLink(t, quote, word);
  relabel(t, word, 'CUE', REL);
  assert.deepEqual(t.relations.map((r) => [r.label, r.child_span.label]), [['CUE', 'CUE']]);
  relabel(t, word, 'QUOTE', REL);
  assert.deepEqual(t.relations, []);
});

test('deleting a span deletes its relations', () => {
  const t = task();
  const quote = addSpan(t, 0, 0, 'QUOTE').span;
  const speaker = addSpan(t, 3, 3, 'SPEAKER').span;
  toggleLink(t, quote, speaker);
  deleteSpan(t, quote);
  assert.deepEqual(t.spans.map(spanKey), ['13:16']);
  assert.deepEqual(t.relations, []);
});

test('spanAt picks the smallest span over a token', () => {
  const t = task();
  t.spans = [{ start: 0, end: 16, token_start: 0, token_end: 3, label: 'QUOTE' }, { start: 13, end: 16, token_start: 3, token_end: 3, label: 'SPEAKER' }];
  assert.equal(spanAt(t, 3).label, 'SPEAKER');
  assert.equal(spanAt(t, 1).label, 'QUOTE');
  assert.equal(spanAt(t, 4), null);
});

test('deleting a quote takes along the speaker and cue only it used', () => {
  // „Ja“ , sagte Kim . „Nein“ , sagte Kim .
  const t = prepare({ text: '„Ja“ , sagte Kim . „Nein“ , sagte Kim .', meta: {} });
  const q1 = addSpan(t, 0, 0, 'QUOTE').span;
  const cue1 = addSpan(t, 2, 2, 'CUE').span;
  const kim1 = addSpan(t, 3, 3, 'SPEAKER').span;
  const q2 = addSpan(t, 5, 5, 'QUOTE').span;
  const kim2 = addSpan(t, 8, 8, 'SPEAKER').span;
  toggleLink(t, q1, cue1); toggleLink(t, q1, kim1); toggleLink(t, q2, kim1); toggleLink(t, q2, kim2);
  const gone = deleteSpan(t, q1, REL);
  assert.deepEqual(gone.map(spanKey).sort(), [spanKey(q1), spanKey(cue1)].sort()); // kim1 is still q2's speaker
  assert.deepEqual(t.spans.map(spanKey), [spanKey(kim1), spanKey(q2), spanKey(kim2)]);
  assert.equal(t.relations.length, 2);
  assert.deepEqual(deleteSpan(t, kim1, REL), [kim1]); // a child goes alone
  assert.equal(t.relations.length, 1);
});
