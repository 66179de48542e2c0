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

  // With several accounts: the addresses whose streams this page follows, and whether rows
  // of all of them are merged here (each row then shows its account).
  var accounts = null;
  try { accounts = JSON.parse(list.getAttribute('data-accounts') || 'null'); } catch (e) { accounts = null; }
  var merged = list.hasAttribute('data-merged');

  function colourOf(email) {
    var tabs = document.querySelectorAll('.account-tab');
    for (var i = 0; i < tabs.length; i++) {
      if (tabs[i].getAttribute('data-account') === email) {
        var c = /account-\d/.exec(tabs[i].className);
        return c ? c[0] : 'account-0';
      }
    }
    return 'account-0';
  }

  function row(m, email) {
    var li = document.createElement('li');
    li.className = 'message';
    li.setAttribute('data-id', m.id);
    var a = document.createElement('a');
    a.className = 'row';
    a.href = '/messages/' + encodeURIComponent(m.id) +
      (email ? '?account=' + encodeURIComponent(email) : '');
    if (email && merged) {
      li.setAttribute('data-account', email);
      var mark = span('account-mark ' + colourOf(email), email);
      mark.insertBefore(span('visually-hidden', 'Account: '), mark.firstChild);
      a.appendChild(mark);
    }
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

  function find(id, email) {
    var rows = list.querySelectorAll('li[data-id]');
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute('data-id') === id &&
          (!merged || !email || rows[i].getAttribute('data-account') === email)) { return rows[i]; }
    }
    return null;
  }

  function showList() {
    list.hidden = list.children.length === 0;
    if (empty) { empty.hidden = list.children.length !== 0; }
  }

  function follow(email) {
    var source = new EventSource(email ? '/events?account=' + encodeURIComponent(email) : '/events');
    source.addEventListener('unread_added', function (e) {
      var m = JSON.parse(e.data);
      if (!m || typeof m.id !== 'string' || find(m.id, email)) { return; }
      list.insertBefore(row(m, email), list.firstChild);
      showList();
      announce('New message from ' + label(m) + ': ' + (m.subject || '(no subject)') +
        (email && merged ? ' (' + email + ')' : ''));
    });
    source.addEventListener('unread_removed', function (e) {
      var m = JSON.parse(e.data);
      var li = m && typeof m.id === 'string' ? find(m.id, email) : null;
      if (li) {
        li.parentNode.removeChild(li);
        showList();
      }
    });
    source.addEventListener('unread_count', function (e) {
      var m = JSON.parse(e.data);
      if (!m || typeof m.unread !== 'number') { return; }
      if (!email) { setCount(m.unread); return; }
      var tabs = document.querySelectorAll('[data-count-of]');
      var total = 0;
      for (var i = 0; i < tabs.length; i++) {
        var of = tabs[i].getAttribute('data-count-of');
        if (of === email) { tabs[i].textContent = String(m.unread); }
        var n = parseInt(tabs[i].textContent, 10);
        total += isNaN(n) ? 0 : n;
      }
      var all = document.querySelector('[data-count-all]');
      if (all) { all.textContent = String(total); }
      setCount(merged ? total : m.unread);
    });
    source.addEventListener('resync', function () {
      window.location.reload();
    });
  }

  if (accounts && accounts.length) {
    for (var i = 0; i < accounts.length; i++) { follow(accounts[i]); }
  } else {
    follow(null);
  }
}());
