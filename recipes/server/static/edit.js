/* The pure editing of one task in Prodigy's relations format: spans with inclusive token_end, relations from a
 * head span to a child span on their last tokens. No DOM here, so node's test runner checks it (tests/js/). */

export function clone(obj) { return JSON.parse(JSON.stringify(obj)); }
export function spanKey(span) { return span.start + ':' + span.end; }
export function short(text, n) {
  text = String(text).replace(/\s+/g, ' ').trim();
  return text.length > n ? text.slice(0, n - 1) + '…' : text;
}
export function textOf(task, span) { return task.text.slice(span.start, span.end); }

/* Whitespace-separated tokens, only for tasks that arrive without tokens. */
export function tokenize(text) {
  var toks = [], re = /\S+/g, m, i = 0;
  while ((m = re.exec(text))) {
    toks.push({ text: m[0], start: m.index, end: m.index + m[0].length, id: i++, ws: text[m.index + m[0].length] === ' ' });
  }
  return toks;
}

/* A copy of a task from the server with spans, relations and tokens always present. */
export function prepare(task) {
  var t = clone(task);
  if (!Array.isArray(t.spans)) t.spans = [];
  if (!Array.isArray(t.relations)) t.relations = [];
  if (!Array.isArray(t.tokens) || !t.tokens.length) t.tokens = tokenize(t.text || '');
  return t;
}

export function findSpan(task, key) {
  if (!task || !key) return null;
  for (var i = 0; i < task.spans.length; i++) if (spanKey(task.spans[i]) === key) return task.spans[i];
  return null;
}

/* The smallest span covering token i, or null. */
export function spanAt(task, i) {
  var best = null;
  task.spans.forEach(function (s) {
    if (s.token_start <= i && i <= s.token_end && (!best || s.token_end - s.token_start < best.token_end - best.token_start)) best = s;
  });
  return best;
}

function spanDict(span) {
  return { start: span.start, end: span.end, token_start: span.token_start, token_end: span.token_end, label: span.label };
}

function dropRelationsOf(task, key) {
  task.relations = task.relations.filter(function (r) {
    return spanKey(r.head_span) !== key && spanKey(r.child_span) !== key;
  });
}

/* Add a span over tokens a..b (either order, blank tokens at the edges left out); overlapping spans and their
 * relations go. Returns {span, removed} or null when only blanks were covered. */
export function addSpan(task, a, b, label) {
  var lo = Math.min(a, b), hi = Math.max(a, b), toks = task.tokens;
  var blank = function (i) { return !toks[i].text.trim(); };
  while (lo <= hi && blank(lo)) lo++;
  while (hi >= lo && blank(hi)) hi--;
  if (lo > hi) return null;
  var span = { start: toks[lo].start, end: toks[hi].end, token_start: lo, token_end: hi, label: label };
  span.text = task.text.slice(span.start, span.end);
  var removed = task.spans.filter(function (s) { return s.token_start <= hi && s.token_end >= lo; });
  removed.forEach(function (s) { dropRelationsOf(task, spanKey(s)); });
  task.spans = task.spans.filter(function (s) { return removed.indexOf(s) < 0; });
  task.spans.push(span);
  task.spans.sort(function (x, y) { return x.start - y.start || y.end - x.end; });
  return { span: span, removed: removed };
}

/* Relabel a span; relations it can no longer take part in (a head turned child or the reverse) go. */
export function relabel(task, span, label, relLabels) {
  if (span.label === label) return;
  var key = spanKey(span), isChild = relLabels.indexOf(label) >= 0;
  span.label = label;
  task.relations = task.relations.filter(function (r) {
    if (spanKey(r.head_span) === key) {
      if (isChild) return false;
      r.head_span.label = label; return true;
    }
    if (spanKey(r.child_span) === key) {
      if (!isChild) return false;
      r.child_span.label = label; r.label = label; return true;
    }
    return true;
  });
}

/* Delete a span and its relations. A head (a quote) takes along the spans linked to it that no other head uses, so
 * deleting a false quote leaves no orphaned speaker or cue. Returns the spans deleted. */
export function deleteSpan(task, span, relLabels) {
  var key = spanKey(span), gone = [span];
  if (relLabels && relLabels.indexOf(span.label) < 0) {
    var children = {};
    task.relations.forEach(function (r) { if (spanKey(r.head_span) === key) children[spanKey(r.child_span)] = true; });
    task.relations.forEach(function (r) { if (spanKey(r.head_span) !== key) delete children[spanKey(r.child_span)]; });
    task.spans.forEach(function (s) { if (children[spanKey(s)]) gone.push(s); });
  }
  gone.forEach(function (s) { dropRelationsOf(task, spanKey(s)); });
  task.spans = task.spans.filter(function (s) { return gone.indexOf(s) < 0; });
  return gone;
}

/* Link head → child with the child's label (or ``label``: COREF from a mention to its antecedent), or unlink them
 * if linked. Returns true when a link was added. */
export function toggleLink(task, head, child, label) {
  var hk = spanKey(head), ck = spanKey(child), rels = task.relations;
  for (var i = 0; i < rels.length; i++) {
    if (spanKey(rels[i].head_span) === hk && spanKey(rels[i].child_span) === ck) {
      rels.splice(i, 1);
      return false;
    }
  }
  rels.push({ head: head.token_end, child: child.token_end, head_span: spanDict(head), child_span: spanDict(child), label: label || child.label });
  return true;
}

export function removeLink(task, rel) {
  task.relations = task.relations.filter(function (r) { return r !== rel; });
}
