/* Calls to the annotation server's routes: JSON in, JSON out, an Error with the server's message on failure. */

export function api(path, body) {
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

/* Send answers as the page closes (best effort: the server ignores answers it already has). */
export function beaconAnswers(answers, sessionId) {
  var blob = new Blob([JSON.stringify({ answers: answers, session_id: sessionId })], { type: 'application/json' });
  return navigator.sendBeacon('give_answers', blob);
}

/* Give the session's unanswered tasks back as the page closes (a request that outlives the page). */
export function endSession(sessionId) {
  return fetch('end_session', {
    method: 'POST', credentials: 'same-origin', keepalive: true,
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ session_id: sessionId })
  });
}
