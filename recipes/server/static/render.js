/* Rendering of the page from the state: the task's tokens once per task, then classes, tags, the side list and
 * the arrow layer on every edit. Task text is only ever written with textContent: HTML in a task is shown, never run.
 * createView(S, actions) binds the functions to the page state (state.js), which they only read, and to the
 * actions its buttons and lists call. */
import { findSpan, short, spanKey, textOf } from './edit.js';
import { colourOf, isChildLabel as childLabel, linkColourOf } from './state.js';

export var $ = function (id) { return document.getElementById(id); };
export function el(tag, cls, text) {
  var node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function createView(S, actions) {
  // what the view draws into, per task: the element of each token, of the white space after it, and the tags
  var tokEls = [], gapEls = [], tags = [];
  function colorOf(label) { return colourOf(S, label); }
  function isChildLabel(label) { return childLabel(S, label); }

  function renderLabels() {
    var box = $('labels');
    box.textContent = '';
    S.spanLabels.forEach(function (label, i) {
      var b = el('button', 'labelbtn' + (label === S.activeLabel ? ' active' + (S.armed ? ' armed' : '') : ''), label);
      b.type = 'button';
      b.dataset.label = label;
      b.style.setProperty('--c', colorOf(label));
      if (i < 9) b.appendChild(el('kbd', null, String(i + 1)));
      b.addEventListener('click', function () { actions.setActiveLabel(label); });
      box.appendChild(b);
    });
  }

  function renderTask() {
    var text = $('text'), meta = $('meta'), empty = $('empty');
    text.textContent = '';
    meta.textContent = '';
    tokEls = []; gapEls = []; tags = [];
    var t = S.current;
    var buttons = document.querySelectorAll('.answer[data-answer]');
    for (var b = 0; b < buttons.length; b++) buttons[b].disabled = !t;
    if (!t) {
      empty.hidden = false;
      var others = S.stats.held_by_others || 0;
      empty.textContent = !S.exhausted
        ? 'Loading…'
        : others
          ? 'The ' + others + ' task' + (others > 1 ? 's' : '') + ' left ' + (others > 1 ? 'are' : 'is') +
            ' open with other annotators. This page checks every 15 seconds and shows any that come free.'
          : 'No more tasks. ' + (S.outbox.length ? 'Press Ctrl+S (or “save”) to save your last answers.' : 'All your answers are saved – thank you!');
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
      tokEls.push(tok);
      var gapEnd = i + 1 < toks.length ? toks[i + 1].start : full.length;
      var gap = full.slice(toks[i].end, gapEnd);
      if (!gap && toks[i].ws && i + 1 < toks.length) gap = ' ';
      var gapEl = null;
      if (gap) { gapEl = el('span', 'gap', gap); frag.appendChild(gapEl); }
      gapEls.push(gapEl);
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
    var t = S.current, n = tokEls.length, owner = new Array(n);
    var spans = t.spans.slice().sort(function (x, y) { return (y.token_end - y.token_start) - (x.token_end - x.token_start); });
    spans.forEach(function (s) { for (var i = s.token_start; i <= s.token_end && i < n; i++) owner[i] = s; });
    var linked = {};
    var sel = findSpan(S.current, S.selected);
    if (sel) {
      t.relations.forEach(function (r) {
        var hk = spanKey(r.head_span), ck = spanKey(r.child_span);
        if (hk === S.selected) linked[ck] = true;
        if (ck === S.selected) linked[hk] = true;
      });
    }
    for (var i = 0; i < n; i++) {
      var s = owner[i], node = tokEls[i], cls = 'tok';
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
      var gapEl = gapEls[i];
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
    tags.forEach(function (tag) { tag.remove(); });
    tags = [];
    var number = quoteNumbers(), heads = {};
    t.relations.forEach(function (r) {
      var n = number[spanKey(r.head_span)];
      if (n) (heads[spanKey(r.child_span)] = heads[spanKey(r.child_span)] || []).push(n);
    });
    t.spans.forEach(function (s) {
      var end = tokEls[s.token_end];
      if (!end) return;
      var key = spanKey(s), n = number[key];
      // numbers tie a speaker or cue to its quote without following an arrow: "QUOTE 2", "SPEAKER → 2"
      var label = n ? s.label + ' ' + n : heads[key] ? s.label + ' → ' + heads[key].join(',') : s.label;
      var tag = el('span', 'tag' + (isChildLabel(s.label) && !heads[key] ? ' unlinked' : ''), label);
      end.appendChild(tag);
      tags.push(tag);
    });
  }

  /* Quote (head span) number by key, in text order: the number shown on its tag and in the side list. */
  function quoteNumbers() {
    var number = {}, n = 0;
    S.current.spans.forEach(function (s) { if (!isChildLabel(s.label)) number[spanKey(s)] = ++n; });
    return number;
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
      var qtext = el('div', 'qtext');
      qtext.appendChild(el('b', 'qnum', String(heads.indexOf(q) + 1)));
      qtext.appendChild(document.createTextNode(' ' + short(textOf(S.current, q), 110)));
      li.appendChild(qtext);
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
          var who = rl === 'SPEAKER' && S.speakerNames && S.speakerNames[key];
          if (who && who.name && who.name !== S.current.text.slice(r.child_span.start, r.child_span.end)) {
            row.appendChild(el('span', 'who' + (who.resolved ? '' : ' unresolved'), '= ' + short(who.name, 40)));
          }
          var x = el('button', 'unlink', '✕');
          x.type = 'button';
          x.title = 'Remove this link';
          x.addEventListener('click', function (ev) { ev.stopPropagation(); actions.removeLink(r); });
          row.appendChild(x);
          li.appendChild(row);
        });
      });
      li.addEventListener('click', function () { actions.selectQuote(q); });
      list.appendChild(li);
    });
    var orphans = t.spans.filter(function (s) { return isChildLabel(s.label) && !usedChildren[spanKey(s)]; });
    if (!heads.length) list.appendChild(el('li', 'orphan', 'No quotes in this text yet.'));
    if (orphans.length) {
      list.appendChild(el('li', 'orphan', 'Not linked: ' + orphans.map(function (s) { return s.label + ' “' + short(textOf(S.current, s), 25) + '”'; }).join(', ')));
    }
  }

  function renderSelection() {
    var body = $('sel-body');
    body.textContent = '';
    var span = findSpan(S.current, S.selected);
    if (!span) {
      body.className = 'muted';
      body.textContent = 'Click a highlighted span to relabel or delete it.';
      return;
    }
    body.className = 'selbox';
    var txt = el('div', 'seltext', span.label + ': ' + short(textOf(S.current, span), 160));
    txt.style.setProperty('--hl', colorOf(span.label));
    body.appendChild(txt);
    var row = el('div', 'row');
    S.spanLabels.forEach(function (label, i) {
      var b = el('button', 'labelbtn' + (label === span.label ? ' active' : ''), label);
      b.type = 'button';
      b.style.setProperty('--c', colorOf(label));
      if (i < 9) b.appendChild(el('kbd', null, '⇧' + (i + 1)));
      b.addEventListener('click', function () { actions.relabel(span, label); });
      row.appendChild(b);
    });
    var del = el('button', 'delbtn', 'delete');
    del.type = 'button';
    del.appendChild(el('kbd', null, 'Del'));
    del.addEventListener('click', function () { actions.deleteSpan(span); });
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
    if (!S.current || !S.current.relations.length) return;
    var focus = [S.selected, S.hover].filter(Boolean);
    var rels = S.current.relations.filter(function (r) {
      return S.showArrows || focus.indexOf(spanKey(r.head_span)) >= 0 || focus.indexOf(spanKey(r.child_span)) >= 0;
    });
    if (!rels.length) return;
    var NS = 'http://www.w3.org/2000/svg';
    var defs = document.createElementNS(NS, 'defs');
    var markers = {};
    var box = $('textwrap').getBoundingClientRect();
    var lineHeight = parseFloat(getComputedStyle($('text')).lineHeight) || 40;
    rels.forEach(function (r) {
      var a = tokEls[r.head_span.token_end], b = tokEls[r.child_span.token_start];
      if (!a || !b) return;
      var color = linkColourOf(S, r.label);
      if (!markers[color]) {
        var id = 'arrow-' + Object.keys(markers).length;
        var marker = document.createElementNS(NS, 'marker');
        marker.setAttribute('id', id);
        marker.setAttribute('viewBox', '0 0 10 10'); marker.setAttribute('refX', '9'); marker.setAttribute('refY', '5');
        marker.setAttribute('markerWidth', '5'); marker.setAttribute('markerHeight', '5'); marker.setAttribute('orient', 'auto-start-reverse');
        var tip = document.createElementNS(NS, 'path');
        tip.setAttribute('d', 'M0,0 L10,5 L0,10 z');
        tip.setAttribute('fill', color);
        marker.appendChild(tip);
        defs.appendChild(marker);
        markers[color] = id;
      }
      var ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
      var x1 = ra.left + ra.width / 2 - box.left, y1 = ra.top - box.top;
      var x2 = rb.left + rb.width / 2 - box.left, y2 = rb.top - box.top;
      // the arc stays in the blank band above the words' line (the line height is larger than the words)
      var band = Math.max(6, (lineHeight - ra.height) / 2 + 2);
      var top = Math.min(y1, y2) - band;
      var path = document.createElementNS(NS, 'path');
      path.setAttribute('d', Math.abs(y1 - y2) < 4
        ? 'M' + x1 + ',' + y1 + ' C' + x1 + ',' + top + ' ' + x2 + ',' + top + ' ' + x2 + ',' + y2
        : 'M' + x1 + ',' + y1 + ' L' + x1 + ',' + (y1 - band) + ' L' + x2 + ',' + (y2 - band) + ' L' + x2 + ',' + y2);
      var hot = focus.indexOf(spanKey(r.head_span)) >= 0 || focus.indexOf(spanKey(r.child_span)) >= 0;
      path.setAttribute('class', hot ? 'hot' : '');
      path.style.stroke = color;
      if (!(S.project && S.project.hide_relation_arrow)) path.setAttribute('marker-end', 'url(#' + markers[color] + ')');
      svg.appendChild(path);
    });
    svg.insertBefore(defs, svg.firstChild);
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
  /* The page after the state has stopped (state.stop): the message, and no task. */
  function fatal(msg) {
    banner(msg);
    renderTask();
    $('empty').textContent = msg;
  }

  function setPreview(lo, hi, on) {
    for (var i = lo; i <= hi; i++) if (tokEls[i]) tokEls[i].classList.toggle('pre', on);
  }

  /* Scroll a span of the open task into view. */
  function reveal(span) {
    var tok = tokEls[span.token_start];
    if (tok) tok.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }

  return {
    renderLabels: renderLabels, renderTask: renderTask, refresh: refresh, drawArrows: drawArrows,
    renderCounter: renderCounter, renderSaveState: renderSaveState, flash: flash, banner: banner,
    hideBanner: hideBanner, fatal: fatal, setPreview: setPreview, reveal: reveal
  };
}
