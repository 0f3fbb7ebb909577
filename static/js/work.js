// Board: drag a card onto another column to move the job. Progressive enhancement only:
// every card also has a Move form that works without JavaScript.
(function () {
  "use strict";
  var board = document.querySelector(".board[data-move-enabled='1']");
  if (!board) { return; }
  var status = document.querySelector(".board-status");
  var dragged = null;

  board.addEventListener("dragstart", function (event) {
    dragged = event.target.closest(".job-card");
    if (dragged) { event.dataTransfer.setData("text/plain", dragged.dataset.job); }
  });
  board.querySelectorAll(".board-column").forEach(function (column) {
    column.addEventListener("dragover", function (event) {
      if (dragged) { event.preventDefault(); column.classList.add("drop-target"); }
    });
    column.addEventListener("dragleave", function () { column.classList.remove("drop-target"); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("drop-target");
      if (!dragged || dragged.closest(".board-column") === column) { return; }
      // Any form's CSRF token will do (a card in the last column has no move button).
      var body = new FormData(document.getElementById("board-csrf"));
      body.set("stage", column.dataset.stage);
      fetch(dragged.dataset.moveUrl, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) { return response.json(); }).then(function (result) {
        if (result.ok) { window.location.reload(); }
        else if (status) { status.textContent = result.error; }
      }).catch(function () {
        if (status) { status.textContent = "The move did not go through; use the Move button."; }
      });
    });
  });
})();
