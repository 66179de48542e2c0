// Shows every <time datetime="…"> in the reader's own time zone and locale.
document.querySelectorAll('time[datetime]').forEach(function (el) {
  var d = new Date(el.getAttribute('datetime'));
  if (!isNaN(d.getTime())) {
    el.textContent = d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  }
});
