// Organizer pages: show or hide conditional questions as answers change. The server
// decides the same way when saving, so without JavaScript the page still works (hidden
// questions appear after "Save and continue").
(function () {
  var form = document.querySelector("[data-organizer]");
  if (!form) return;
  function answer(key) {
    var checked = form.querySelector('input[name="q-' + key + '"]:checked');
    if (checked) return checked.value;
    var field = form.querySelector('[name="q-' + key + '"]:not([type=radio])');
    return field ? field.value : "";
  }
  function refresh() {
    form.querySelectorAll("[data-show-if]").forEach(function (box) {
      var parent = form.querySelector('[data-key="' + box.dataset.showIf + '"]');
      var shown = parent && !parent.hidden && answer(box.dataset.showIf) === box.dataset.equals;
      box.hidden = !shown;
    });
  }
  form.addEventListener("change", refresh);
  refresh();
})();
