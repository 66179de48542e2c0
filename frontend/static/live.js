// Live updates of the inbox's first page, from the same-origin event stream GET /events:
// new mail appears at the top, mail read elsewhere leaves, the count and the tab title follow,
// and a polite live region tells screen readers. Without JavaScript (or EventSource) the page
// is what the server rendered, as before. Only textContent and attributes are set: nothing
// from a message is ever parsed as HTML.
(function () {
  'use strict';
  var list = document.getElementById('messages');
  if (!list || !list.hasAttribute('data-live') || !window.EventSource) {
    return;
  }
  var count = document.getElementById('unread-count');
  var status = document.getElementById('live-status');
  var empty = document.getElementById('empty');

  function setCount(n) {
    count.textContent = String(n);
    document.title = '(' + n + ') gmail-unread';
  }

  function announce(text) {
    // Cleared first, so the same words said twice are announced twice.
    status.textContent = '';
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  function label(m) {
    var name = m.from && m.from.name ? m.from.name.trim() : '';
    if (name) { return name; }
    return m.from && m.from.email ? m.from.email : '(unknown sender)';
  }

  function span(cls, text) {
    var el = document.createElement('span');
    el.className = cls;
    el.textContent = text;
    return el;
  }

  function row(m) {
    var li = document.createElement('li');
    li.className = 'message';
    li.setAttribute('data-id', m.id);
    var a = document.createElement('a');
    a.className = 'row';
    a.href = '/messages/' + encodeURIComponent(m.id);
    var from = span('from', label(m));
    from.title = (m.from && m.from.email) || '';
    a.appendChild(from);
    a.appendChild(span('subject', m.subject && m.subject.trim() ? m.subject : '(no subject)'));
    var time = document.createElement('time');
    time.className = 'date';
    time.setAttribute('datetime', m.date || '');
    var d = new Date(m.date);
    time.textContent = isNaN(d.getTime()) ? '' :
      d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
    a.appendChild(time);
    a.appendChild(span('snippet', m.snippet || ''));
    li.appendChild(a);
    return li;
  }

  function find(id) {
    var rows = list.querySelectorAll('li[data-id]');
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute('data-id') === id) { return rows[i]; }
    }
    return null;
  }

  function showList() {
    list.hidden = list.children.length === 0;
    if (empty) { empty.hidden = list.children.length !== 0; }
  }

  var source = new EventSource('/events');
  source.addEventListener('unread_added', function (e) {
    var m = JSON.parse(e.data);
    if (!m || typeof m.id !== 'string' || find(m.id)) { return; }
    list.insertBefore(row(m), list.firstChild);
    showList();
    announce('New message from ' + label(m) + ': ' + (m.subject || '(no subject)'));
  });
  source.addEventListener('unread_removed', function (e) {
    var m = JSON.parse(e.data);
    var li = m && typeof m.id === 'string' ? find(m.id) : null;
    if (li) {
      li.parentNode.removeChild(li);
      showList();
    }
  });
  source.addEventListener('unread_count', function (e) {
    var m = JSON.parse(e.data);
    if (m && typeof m.unread === 'number') {
      setCount(m.unread);
    }
  });
  source.addEventListener('resync', function () {
    window.location.reload();
  });
}());
