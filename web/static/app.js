// Progressive: the roll call works without this. With it, a tap on a
// pupil's name cycles present → absent → late → present.
document.addEventListener("click", function (ev) {
  var name = ev.target.closest && ev.target.closest(".pupil .name");
  if (!name) return;
  var row = name.closest(".pupil");
  var order = ["present", "absent", "late"];
  var checked = row.querySelector("input[type=radio]:checked");
  var i = checked ? order.indexOf(checked.value) : 0;
  var next = row.querySelector("input[type=radio][value=" + order[(i + 1) % order.length] + "]");
  if (next) { next.checked = true; }
  var minutes = row.querySelector(".minutes");
  if (minutes && next && next.value === "late" && !minutes.value) { minutes.value = "10"; minutes.focus(); }
});

// The board is read again every so many seconds (data-refresh on <body>),
// so that replies and statuses show as they come; but never while the
// coordinator is typing or has typed something not yet sent (a note on a
// case), which a reload would throw away. Without JavaScript the page has
// a "Refresh" link instead: a reload the page chose could throw away what
// is being typed. refreshDue says whether a reload may happen now.
window.nabijRefreshDue = function () {
  var a = document.activeElement;
  if (a && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) && a.type !== "submit") return false;
  var fields = document.querySelectorAll("input[type=text], textarea");
  for (var i = 0; i < fields.length; i++) {
    if (fields[i].value.trim() !== "") return false;
  }
  return true;
};
(function () {
  var seconds = parseInt(document.body && document.body.getAttribute("data-refresh"), 10);
  if (!(seconds > 0)) return;
  setInterval(function () {
    if (window.nabijRefreshDue()) location.reload();
  }, seconds * 1000);
})();
