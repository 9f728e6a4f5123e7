/* prodigy-quotes annotation page (relations UI for QUOTE / SPEAKER / CUE).
 * Plain JavaScript, no build step. Task text is only ever written with textContent:
 * HTML inside a task is displayed, never executed.
 * Tokens are rendered once per task; edits only update classes, tags and the arrow layer. */
(function () {
  'use strict';

  var DEFAULT_COLORS = {
    QUOTE: '#ffe08a', SPEAKER: '#9fd3ff', CUE: '#b5eb8f',
    INDIRECT: '#f1c8ff', REPORTED: '#ffd2bf'
  };
  var PALETTE = ['#ffc9de', '#d4c4ff', '#c2f0e4', '#ffe3b3', '#cfe3ff', '#e6f5b0'];
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

  var $ = function (id) { return document.getElementById(id); };
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clone(obj) { return JSON.parse(JSON.stringify(obj)); }
  function spanKey(span) { return span.start + ':' + span.end; }
  function colorOf(label) {
    if (!(label in S.colors)) {
      var n = Object.keys(S.colors).length;
      S.colors[label] = DEFAULT_COLORS[label] || PALETTE[n % PALETTE.length];
    }
    return S.colors[label];
  }
  function isChildLabel(label) { return S.relLabels.indexOf(label) >= 0; }
  function short(text, n) { text = String(text).replace(/\s+/g, ' ').trim(); return text.length > n ? text.slice(0, n - 1) + '…' : text; }

  // ---------------------------------------------------------------- server calls

  function api(path, body) {
    var opts = { method: body === undefined ? 'GET' : 'POST', credentials: 'same-origin', headers: {} };
    if (body !== undefined) { opts.headers['Content-Type'] = 'application/json'; opts.body = JSON.stringify(body); }
    return fetch(path, opts).then(function (res) {
      return res.text().then(function (txt) {
        var data = null;
        try { data = txt ? JSON.parse(txt) : null; } catch (e) { data = { detail: txt }; }
        if (!res.ok) {
          var err = new Error((data && (data.detail || data.error)) || ('HTTP ' + res.status));
          err.status = res.status; err.data = data;
          throw err;
        }
        return data;
      });
    });
  }

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
      if (err.status === 403) { fatal(err.message); return; }
      banner('Could not load tasks: ' + err.message + '. Retrying…');
      setTimeout(fetchMore, 3000);
    });
  }

  function updateStats(data) {
    ['total', 'session_total', 'progress', 'remaining'].forEach(function (k) {
      if (data && data[k] !== undefined) S.stats[k] = data[k];
    });
    renderCounter();
  }

  // ---------------------------------------------------------------- task flow

  function prepare(task) {
    var t = clone(task);
    if (!Array.isArray(t.spans)) t.spans = [];
    if (!Array.isArray(t.relations)) t.relations = [];
    if (!Array.isArray(t.tokens) || !t.tokens.length) t.tokens = tokenize(t.text || '');
    return t;
  }

  function tokenize(text) { // only for tasks that arrive without tokens
    var toks = [], re = /\S+/g, m, i = 0;
    while ((m = re.exec(text))) {
      toks.push({ text: m[0], start: m.index, end: m.index + m[0].length, id: i++, ws: text[m.index + m[0].length] === ' ' });
    }
    return toks;
  }

  function next() {
    S.current = S.queue.length ? prepare(S.queue.shift()) : null;
    S.selected = null;
    renderTask();
    if (S.queue.length < 2 && !S.exhausted) fetchMore();
  }

  function answer(kind) {
    if (!S.current || S.drag || S.validating) return; // one answer per task, even on a double key press
    var eg = clone(S.current);
    eg.answer = kind;
    var go = function () {
      S.outbox.push(eg);
      S.current = null;
      hideBanner();
      next();
      renderSaveState();
      if (S.outbox.length > S.historySize) save(S.outbox.length - S.historySize);
      armAutosave();
    };
    if (S.project && S.project.validate_answer) {
      S.validating = true;
      api('validate_answer', { answer: eg }).then(function (res) {
        S.validating = false;
        if (res && res.valid === false) { banner('This answer was not accepted: ' + res.error); return; }
        go();
      }, function (err) { S.validating = false; banner('Could not check the answer: ' + err.message); });
    } else {
      go();
    }
  }

  function undo() {
    if (!S.outbox.length) { flash('Nothing to undo: saved answers cannot be undone.'); return; }
    var last = S.outbox[S.outbox.length - 1];
    if (S.sending && S.sending.indexOf(last) >= 0) { flash('That answer is being saved and cannot be undone.'); return; }
    S.outbox.pop();
    if (S.current) S.queue.unshift(S.current);
    delete last.answer;
    S.current = last;
    S.selected = null;
    renderTask();
    renderSaveState();
  }

  function armAutosave() {
    if (S.autosaveTimer || !S.outbox.length) return;
    S.autosaveTimer = setTimeout(function () { S.autosaveTimer = null; save(); }, AUTOSAVE_MS);
  }

  function save(count) {
    if (S.sending) return Promise.resolve();
    var n = count === undefined ? S.outbox.length : Math.min(count, S.outbox.length);
    if (!n) { renderSaveState(); return Promise.resolve(); }
    var batch = S.outbox.slice(0, n);
    S.sending = batch;
    renderSaveState('saving…');
    return api('give_answers', { answers: batch, session_id: S.session }).then(function (data) {
      S.sending = null;
      S.outbox = S.outbox.filter(function (a) { return batch.indexOf(a) < 0; });
      updateStats(data);
      renderSaveState('saved ✓');
      if (data && data.duplicates) {
        banner(data.duplicates + ' of these answers had already been saved (another tab or annotator on the same task) and were not stored again.');
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
        banner('Not saved, please fix: ' + err.data.errors.map(function (e) { return e.error; }).join('; '));
        if (S.outbox.length) save();
        return;
      }
      renderSaveState('not saved – retrying', true);
      setTimeout(function () { save(); }, 3000);
    });
  }

  // ---------------------------------------------------------------- editing

  function findSpan(key) {
    if (!S.current || !key) return null;
    for (var i = 0; i < S.current.spans.length; i++) if (spanKey(S.current.spans[i]) === key) return S.current.spans[i];
    return null;
  }

  function spanDict(span) {
    return { start: span.start, end: span.end, token_start: span.token_start, token_end: span.token_end, label: span.label };
  }

  function dropRelationsOf(key) {
    S.current.relations = S.current.relations.filter(function (r) {
      return spanKey(r.head_span) !== key && spanKey(r.child_span) !== key;
    });
  }

  function isBlank(i) { return !S.current.tokens[i].text.trim(); }

  function addSpan(a, b, label) {
    var lo = Math.min(a, b), hi = Math.max(a, b);
    while (lo <= hi && isBlank(lo)) lo++;
    while (hi >= lo && isBlank(hi)) hi--;
    if (lo > hi) return null;
    var toks = S.current.tokens, t = S.current;
    var span = { start: toks[lo].start, end: toks[hi].end, token_start: lo, token_end: hi, label: label };
    span.text = t.text.slice(span.start, span.end);
    var removed = t.spans.filter(function (s) { return s.token_start <= hi && s.token_end >= lo; });
    removed.forEach(function (s) { dropRelationsOf(spanKey(s)); });
    t.spans = t.spans.filter(function (s) { return removed.indexOf(s) < 0; });
    t.spans.push(span);
    t.spans.sort(function (x, y) { return x.start - y.start || y.end - x.end; });
    if (removed.length) flash('Replaced ' + removed.length + ' overlapping span' + (removed.length > 1 ? 's' : '') + '.');
    return span;
  }

  function relabel(span, label) {
    if (span.label === label) return;
    var key = spanKey(span);
    span.label = label;
    S.current.relations = S.current.relations.filter(function (r) {
      if (spanKey(r.head_span) === key) {
        if (isChildLabel(label)) return false;
        r.head_span.label = label; return true;
      }
      if (spanKey(r.child_span) === key) {
        if (!isChildLabel(label)) return false;
        r.child_span.label = label; r.label = label; return true;
      }
      return true;
    });
  }

  function deleteSpan(span) {
    var key = spanKey(span);
    dropRelationsOf(key);
    S.current.spans = S.current.spans.filter(function (s) { return s !== span; });
    if (S.selected === key) S.selected = null;
  }

  function toggleLink(head, child) {
    var hk = spanKey(head), ck = spanKey(child), rels = S.current.relations;
    for (var i = 0; i < rels.length; i++) {
      if (spanKey(rels[i].head_span) === hk && spanKey(rels[i].child_span) === ck) {
        rels.splice(i, 1);
        flash('Removed link ' + head.label + ' → ' + child.label + ' “' + short(child.text || textOf(child), 30) + '”.');
        return;
      }
    }
    rels.push({ head: head.token_end, child: child.token_end, head_span: spanDict(head), child_span: spanDict(child), label: child.label });
    flash('Linked ' + head.label + ' → ' + child.label + ' “' + short(child.text || textOf(child), 30) + '”.');
  }

  function removeLink(rel) {
    S.current.relations = S.current.relations.filter(function (r) { return r !== rel; });
    refresh();
  }

  function textOf(span) { return S.current.text.slice(span.start, span.end); }

  function onSpanClick(span) {
    var sel = findSpan(S.selected);
    if (sel && sel !== span) {
      var selHead = !isChildLabel(sel.label), spanHead = !isChildLabel(span.label);
      if (selHead && !spanHead) { toggleLink(sel, span); refresh(); return; }
      if (!selHead && spanHead) { toggleLink(span, sel); refresh(); return; }
    }
    S.selected = sel === span ? null : spanKey(span);
    refresh();
  }

  function onCreate(a, b) {
    var sel = findSpan(S.selected);
    var span = addSpan(a, b, S.activeLabel);
    if (!span) return;
    if (sel && findSpan(spanKey(sel)) && !isChildLabel(sel.label) && isChildLabel(span.label)) {
      toggleLink(sel, span); // a speaker/cue drawn while a quote is selected belongs to that quote
    } else {
      S.selected = spanKey(span);
    }
    refresh();
  }

  function setActiveLabel(label) {
    S.activeLabel = label;
    renderLabels();
  }

  // ---------------------------------------------------------------- rendering

  function renderLabels() {
    var box = $('labels');
    box.textContent = '';
    S.spanLabels.forEach(function (label, i) {
      var b = el('button', 'labelbtn' + (label === S.activeLabel ? ' active' : ''), label);
      b.type = 'button';
      b.dataset.label = label;
      b.style.setProperty('--c', colorOf(label));
      if (i < 9) b.appendChild(el('kbd', null, String(i + 1)));
      b.addEventListener('click', function () { setActiveLabel(label); });
      box.appendChild(b);
    });
  }

  function renderTask() {
    var text = $('text'), meta = $('meta'), empty = $('empty');
    text.textContent = '';
    meta.textContent = '';
    S.tokEls = []; S.gapEls = []; S.tags = [];
    var t = S.current;
    var buttons = document.querySelectorAll('.answer[data-answer]');
    for (var b = 0; b < buttons.length; b++) buttons[b].disabled = !t;
    if (!t) {
      empty.hidden = false;
      empty.textContent = S.exhausted
        ? 'No more tasks. ' + (S.outbox.length ? 'Press Ctrl+S (or “save”) to save your last answers.' : 'All your answers are saved – thank you!')
        : 'Loading…';
      $('quotes').textContent = '';
      renderSelection();
      drawArrows();
      return;
    }
    empty.hidden = true;
    Object.keys(t.meta || {}).forEach(function (k) {
      var item = el('span');
      item.appendChild(el('b', null, k + ': '));
      var v = t.meta[k];
      item.appendChild(document.createTextNode(typeof v === 'object' ? JSON.stringify(v) : String(v)));
      meta.appendChild(item);
    });
    var frag = document.createDocumentFragment(), toks = t.tokens, full = t.text || '';
    for (var i = 0; i < toks.length; i++) {
      var tok = el('span', 'tok', toks[i].text);
      tok.dataset.i = i;
      frag.appendChild(tok);
      S.tokEls.push(tok);
      var gapEnd = i + 1 < toks.length ? toks[i + 1].start : full.length;
      var gap = full.slice(toks[i].end, gapEnd);
      if (!gap && toks[i].ws && i + 1 < toks.length) gap = ' ';
      var gapEl = null;
      if (gap) { gapEl = el('span', 'gap', gap); frag.appendChild(gapEl); }
      S.gapEls.push(gapEl);
    }
    text.appendChild(frag);
    refresh();
    window.scrollTo(0, 0);
  }

  function refresh() {
    if (!S.current) return;
    paint();
    renderQuotes();
    renderSelection();
    drawArrows();
  }

  function paint() {
    var t = S.current, n = S.tokEls.length, owner = new Array(n);
    var spans = t.spans.slice().sort(function (x, y) { return (y.token_end - y.token_start) - (x.token_end - x.token_start); });
    spans.forEach(function (s) { for (var i = s.token_start; i <= s.token_end && i < n; i++) owner[i] = s; });
    var linked = {};
    var sel = findSpan(S.selected);
    if (sel) {
      t.relations.forEach(function (r) {
        var hk = spanKey(r.head_span), ck = spanKey(r.child_span);
        if (hk === S.selected) linked[ck] = true;
        if (ck === S.selected) linked[hk] = true;
      });
    }
    for (var i = 0; i < n; i++) {
      var s = owner[i], node = S.tokEls[i], cls = 'tok';
      if (s) {
        var key = spanKey(s);
        cls += ' s';
        if (i === s.token_start) cls += ' s-start';
        if (i === s.token_end) cls += ' s-end';
        if (key === S.selected) cls += ' sel';
        if (linked[key]) cls += ' linked';
        node.style.setProperty('--hl', colorOf(s.label));
        node.title = s.label + (key === S.selected ? ' (selected)' : ' – click to select');
      } else if (node.title) {
        node.style.removeProperty('--hl');
        node.title = '';
      }
      if (node.className !== cls) node.className = cls;
      var gapEl = S.gapEls[i];
      if (gapEl) {
        var inside = s && owner[i + 1] === s;
        var gcls = inside ? 'gap s' : 'gap';
        if (inside && spanKey(s) === S.selected) gcls += ' sel';
        if (inside && linked[spanKey(s)]) gcls += ' linked';
        if (gapEl.className !== gcls) {
          gapEl.className = gcls;
          if (inside) gapEl.style.setProperty('--hl', colorOf(s.label)); else gapEl.style.removeProperty('--hl');
        }
      }
    }
    S.tags.forEach(function (tag) { tag.remove(); });
    S.tags = [];
    t.spans.forEach(function (s) {
      var end = S.tokEls[s.token_end];
      if (!end) return;
      var tag = el('span', 'tag', s.label);
      end.appendChild(tag);
      S.tags.push(tag);
    });
  }

  function renderQuotes() {
    var list = $('quotes'), t = S.current;
    list.textContent = '';
    var heads = t.spans.filter(function (s) { return !isChildLabel(s.label); });
    var usedChildren = {};
    heads.forEach(function (q) {
      var key = spanKey(q);
      var li = el('li', key === S.selected ? 'sel' : '');
      li.style.setProperty('--hl', colorOf(q.label));
      li.appendChild(el('div', 'qtext', short(textOf(q), 110)));
      S.relLabels.forEach(function (rl) {
        var rels = t.relations.filter(function (r) { return spanKey(r.head_span) === key && r.label === rl; });
        if (!rels.length) {
          var row = el('div', 'lrow');
          var lab = el('span', 'lab', rl); lab.style.setProperty('--hl', colorOf(rl));
          row.appendChild(lab);
          row.appendChild(el('span', 'none', 'none'));
          li.appendChild(row);
        }
        rels.forEach(function (r) {
          usedChildren[spanKey(r.child_span)] = true;
          var row = el('div', 'lrow');
          var lab = el('span', 'lab', rl); lab.style.setProperty('--hl', colorOf(rl));
          row.appendChild(lab);
          row.appendChild(el('span', 'ltext', short(S.current.text.slice(r.child_span.start, r.child_span.end), 40)));
          var x = el('button', 'unlink', '✕');
          x.type = 'button';
          x.title = 'Remove this link';
          x.addEventListener('click', function (ev) { ev.stopPropagation(); removeLink(r); });
          row.appendChild(x);
          li.appendChild(row);
        });
      });
      li.addEventListener('click', function () {
        S.selected = S.selected === key ? null : key;
        refresh();
        var tok = S.tokEls[q.token_start];
        if (tok && S.selected) tok.scrollIntoView({ block: 'center', behavior: 'smooth' });
      });
      list.appendChild(li);
    });
    var orphans = t.spans.filter(function (s) { return isChildLabel(s.label) && !usedChildren[spanKey(s)]; });
    if (!heads.length) list.appendChild(el('li', 'orphan', 'No quotes in this text yet.'));
    if (orphans.length) {
      list.appendChild(el('li', 'orphan', 'Not linked: ' + orphans.map(function (s) { return s.label + ' “' + short(textOf(s), 25) + '”'; }).join(', ')));
    }
  }

  function renderSelection() {
    var body = $('sel-body');
    body.textContent = '';
    var span = findSpan(S.selected);
    if (!span) {
      body.className = 'muted';
      body.textContent = 'Click a highlighted span to relabel or delete it.';
      return;
    }
    body.className = 'selbox';
    var txt = el('div', 'seltext', span.label + ': ' + short(textOf(span), 160));
    txt.style.setProperty('--hl', colorOf(span.label));
    body.appendChild(txt);
    var row = el('div', 'row');
    S.spanLabels.forEach(function (label, i) {
      var b = el('button', 'labelbtn' + (label === span.label ? ' active' : ''), label);
      b.type = 'button';
      b.style.setProperty('--c', colorOf(label));
      if (i < 9) b.appendChild(el('kbd', null, '⇧' + (i + 1)));
      b.addEventListener('click', function () { relabel(span, label); refresh(); });
      row.appendChild(b);
    });
    var del = el('button', 'delbtn', 'delete');
    del.type = 'button';
    del.appendChild(el('kbd', null, 'Del'));
    del.addEventListener('click', function () { deleteSpan(span); refresh(); });
    row.appendChild(del);
    body.appendChild(row);
    var hint = isChildLabel(span.label)
      ? 'Click a quote to link this ' + span.label.toLowerCase() + ' to it (click again to unlink).'
      : 'Click a speaker or cue to link it to this quote, or draw a new one.';
    body.appendChild(el('div', 'muted', hint));
  }

  function drawArrows() {
    var svg = $('arrows');
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    if (!S.current || !S.showArrows || !S.current.relations.length) return;
    var NS = 'http://www.w3.org/2000/svg';
    var defs = document.createElementNS(NS, 'defs');
    ['n', 'h'].forEach(function (kind) {
      var marker = document.createElementNS(NS, 'marker');
      marker.setAttribute('id', 'arrow-' + kind);
      marker.setAttribute('viewBox', '0 0 10 10'); marker.setAttribute('refX', '9'); marker.setAttribute('refY', '5');
      marker.setAttribute('markerWidth', '6'); marker.setAttribute('markerHeight', '6'); marker.setAttribute('orient', 'auto-start-reverse');
      var p = document.createElementNS(NS, 'path');
      p.setAttribute('d', 'M0,0 L10,5 L0,10 z');
      p.setAttribute('fill', kind === 'h' ? '#3457d5' : '#555');
      marker.appendChild(p);
      defs.appendChild(marker);
    });
    svg.appendChild(defs);
    var box = $('textwrap').getBoundingClientRect();
    S.current.relations.forEach(function (r) {
      var a = S.tokEls[r.head_span.token_end], b = S.tokEls[r.child_span.token_start];
      if (!a || !b) return;
      var ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
      var x1 = ra.left + ra.width / 2 - box.left, y1 = ra.top - box.top + 2;
      var x2 = rb.left + rb.width / 2 - box.left, y2 = rb.top - box.top + 2;
      var lift = Math.min(40, 10 + Math.abs(x2 - x1) / 12);
      var top = Math.min(y1, y2) - lift;
      var path = document.createElementNS(NS, 'path');
      path.setAttribute('d', 'M' + x1 + ',' + y1 + ' C' + x1 + ',' + top + ' ' + x2 + ',' + top + ' ' + x2 + ',' + y2);
      var hot = S.selected && (spanKey(r.head_span) === S.selected || spanKey(r.child_span) === S.selected);
      if (hot) path.setAttribute('class', 'hot');
      if (!(S.project && S.project.hide_relation_arrow)) path.setAttribute('marker-end', 'url(#arrow-' + (hot ? 'h' : 'n') + ')');
      svg.appendChild(path);
    });
  }

  function renderCounter() {
    var c = $('counter'), st = S.stats;
    c.textContent = '';
    var add = function (label, value) {
      var s = el('span'); s.appendChild(document.createTextNode(label + ' ')); s.appendChild(el('b', null, value));
      if (c.firstChild) c.appendChild(document.createTextNode('  ·  '));
      c.appendChild(s);
    };
    add('this session', (st.session_total || 0) + S.outbox.length);
    add('in dataset', st.total || 0);
    if (st.remaining !== null && st.remaining !== undefined) add('left', Math.max(0, st.remaining - S.outbox.length));
    if (st.progress !== null && st.progress !== undefined) add('progress', Math.round(st.progress * 100) + '%');
  }

  function renderSaveState(msg, isError) {
    var s = $('savestate');
    var unsaved = S.outbox.length;
    s.className = 'savestate' + (isError ? ' error' : unsaved ? ' unsaved' : '');
    s.textContent = msg && (isError || !unsaved) ? msg : unsaved ? unsaved + ' unsaved – Ctrl+S' : 'all saved';
    $('undo').disabled = !unsaved;
    renderCounter();
  }

  var flashTimer = null;
  function flash(msg) {
    var b = $('banner');
    $('banner-text').textContent = msg;
    b.className = 'banner info';
    b.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { if (b.className.indexOf('info') >= 0) b.hidden = true; }, 2500);
  }
  function banner(msg) {
    clearTimeout(flashTimer);
    $('banner-text').textContent = msg;
    $('banner').className = 'banner';
    $('banner').hidden = false;
  }
  function hideBanner() { $('banner').hidden = true; }
  function fatal(msg) {
    banner(msg);
    S.exhausted = true;
    S.current = null;
    renderTask();
    $('empty').textContent = msg;
  }

  // ---------------------------------------------------------------- events

  function tokIndex(target) {
    var node = target && target.closest ? target.closest('.tok') : null;
    return node && node.dataset.i !== undefined ? parseInt(node.dataset.i, 10) : -1;
  }

  function setPreview(lo, hi, on) {
    for (var i = lo; i <= hi; i++) if (S.tokEls[i]) S.tokEls[i].classList.toggle('pre', on);
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
      setPreview(Math.min(S.drag.start, S.drag.end), Math.max(S.drag.start, S.drag.end), false);
      S.drag.end = i;
      setPreview(Math.min(S.drag.start, i), Math.max(S.drag.start, i), true);
    });
    document.addEventListener('mouseup', function (ev) {
      var d = S.drag;
      if (!d) return;
      S.drag = null;
      setPreview(Math.min(d.start, d.end), Math.max(d.start, d.end), false);
      var i = tokIndex(ev.target);
      if (i >= 0) d.end = i;
      if (d.start === d.end) {
        var owner = spanAt(d.start);
        if (owner) { onSpanClick(owner); return; }
        if (S.selected) { S.selected = null; refresh(); return; }
      }
      onCreate(d.start, d.end);
    });
    window.addEventListener('resize', function () { drawArrows(); });
    if (document.fonts && document.fonts.ready) document.fonts.ready.then(function () { drawArrows(); });
  }

  function spanAt(i) {
    var best = null;
    S.current.spans.forEach(function (s) {
      if (s.token_start <= i && i <= s.token_end && (!best || s.token_end - s.token_start < best.token_end - best.token_start)) best = s;
    });
    return best;
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
      else if (key === 'Escape') { S.selected = null; refresh(); }
      else if (key === 'Delete' || key === 'd') {
        var span = findSpan(S.selected);
        if (span) { ev.preventDefault(); deleteSpan(span); refresh(); }
      } else if (/^Digit[1-9]$/.test(ev.code) || /^[1-9]$/.test(key)) {
        var n = /^Digit[1-9]$/.test(ev.code) ? parseInt(ev.code.slice(5), 10) : parseInt(key, 10);
        var label = S.spanLabels[n - 1];
        if (!label) return;
        ev.preventDefault();
        var sel = findSpan(S.selected);
        if (ev.shiftKey && sel) { relabel(sel, label); refresh(); } else setActiveLabel(label);
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
    $('banner-close').addEventListener('click', hideBanner);
    // A focused button would also react to space/enter: give the focus back to the page.
    document.addEventListener('click', function (ev) {
      var b = ev.target && ev.target.closest ? ev.target.closest('button') : null;
      if (b) b.blur();
    });
    $('show-arrows').addEventListener('change', function (ev) { S.showArrows = ev.target.checked; drawArrows(); });
    window.addEventListener('beforeunload', function (ev) {
      if (!S.outbox.length) return;
      try { // best effort: the server ignores answers it already has
        var blob = new Blob([JSON.stringify({ answers: S.outbox, session_id: S.session })], { type: 'application/json' });
        navigator.sendBeacon('give_answers', blob);
      } catch (e) { /* the prompt below still warns */ }
      ev.preventDefault();
      ev.returnValue = '';
    });
  }

  function start() {
    bindText(); bindKeys(); bindButtons();
    renderSaveState();
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
      S.spanLabels.forEach(colorOf);
      S.activeLabel = S.spanLabels[0];
      if (p.session_id) S.session = p.session_id;
      if (p.lang) $('text').setAttribute('lang', p.lang);
      $('where').textContent = 'dataset ' + p.dataset + (S.session ? ' · session ' + S.session : '');
      renderLabels();
      return fetchMore();
    }, function (err) {
      fatal(err.status === 403 ? err.message : 'Could not reach the annotation server: ' + err.message);
    });
  }

  window.quotesApp = { state: S, save: save }; // for tests and debugging
  document.addEventListener('DOMContentLoaded', start);
})();
