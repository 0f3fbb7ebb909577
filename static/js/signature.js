// Drawn signatures on the proposal page: pointer strokes on a canvas, copied as a PNG data
// URL into the form's hidden "drawing" field. Without JavaScript the typed name still works.
(function () {
  var canvas = document.querySelector("[data-signature-pad]");
  if (!canvas) return;
  var field = document.getElementById(canvas.dataset.target);
  var ctx = canvas.getContext("2d");
  var drawing = false, drawn = false;
  function fit() {
    var ratio = window.devicePixelRatio || 1;
    canvas.width = canvas.clientWidth * ratio;
    canvas.height = canvas.clientHeight * ratio;
    ctx.scale(ratio, ratio);
    ctx.lineWidth = 2; ctx.lineCap = "round"; ctx.strokeStyle = "#111";
  }
  function point(e) {
    var box = canvas.getBoundingClientRect();
    return [e.clientX - box.left, e.clientY - box.top];
  }
  fit();
  canvas.addEventListener("pointerdown", function (e) {
    drawing = true; var p = point(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
    canvas.setPointerCapture(e.pointerId);
  });
  canvas.addEventListener("pointermove", function (e) {
    if (!drawing) return; var p = point(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true;
  });
  function end() { if (drawing && drawn) field.value = canvas.toDataURL("image/png"); drawing = false; }
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointerleave", end);
  var clear = document.querySelector("[data-signature-clear]");
  if (clear) clear.addEventListener("click", function () {
    ctx.clearRect(0, 0, canvas.width, canvas.height); field.value = ""; drawn = false;
  });
})();
