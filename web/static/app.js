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
