// Live document status: polls the status endpoint for documents still in the pipeline
// and updates their badges and the batch progress bar; stops when everything settled.
(function () {
  "use strict";
  var PENDING = ["uploaded", "queued", "processing"];
  var LABELS = {uploaded: "Uploaded", queued: "Queued", processing: "Processing",
    processed: "Processed", needs_review: "Needs review", failed: "Failed",
    approved: "Approved", rejected: "Rejected"};

  function source() {
    var el = document.querySelector("[data-status-url]");
    return el ? el.getAttribute("data-status-url") : null;
  }

  function pendingIds() {
    var ids = [];
    document.querySelectorAll("[data-document-id]").forEach(function (el) {
      if (PENDING.indexOf(el.getAttribute("data-status")) !== -1) {
        ids.push(el.getAttribute("data-document-id"));
      }
    });
    return ids;
  }

  function apply(data) {
    (data.documents || []).forEach(function (doc) {
      document.querySelectorAll('[data-document-id="' + doc.id + '"]').forEach(function (el) {
        el.setAttribute("data-status", doc.status);
        el.className = "badge badge-" + doc.status;
        el.textContent = LABELS[doc.status] || doc.status;
        if (doc.failure_reason) { el.title = doc.failure_reason; }
      });
    });
    var bar = document.querySelector(".doc-batch");
    if (bar) {
      var progress = (data.batches || {})[bar.getAttribute("data-batch-id")];
      if (progress) {
        bar.querySelector("progress").max = progress.total;
        bar.querySelector("progress").value = progress.done;
        bar.querySelector(".doc-batch-label").textContent = progress.done === progress.total
          ? "All " + progress.total + " files read" + (progress.failed ? " (" + progress.failed + " could not be read)" : "") + "."
          : "Read " + progress.done + " of " + progress.total + " files…";
      }
    }
  }

  function poll(delay) {
    var url = source();
    var ids = pendingIds();
    var bar = document.querySelector(".doc-batch");
    if (!url || (!ids.length && !bar)) { return; }
    if (bar && !ids.length) { ids = ["0"]; }
    fetch(url + "?ids=" + ids.join(","), {credentials: "same-origin",
      headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) { apply(data); }
        if (pendingIds().length) { setTimeout(function () { poll(Math.min(delay * 1.5, 10000)); }, delay); }
      })
      .catch(function () { setTimeout(function () { poll(10000); }, 10000); });
  }

  document.addEventListener("DOMContentLoaded", function () { poll(1500); });
})();

// Review preview: hovering or focusing a field lights up its box on the page, and the
// other way round (the page works without this: boxes are always drawn).
(function () {
  "use strict";
  function mark(name, on) {
    document.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) {
      el.classList.toggle("is-active", on);
    });
  }
  function bind(el) {
    var name = el.getAttribute("data-field");
    ["mouseenter", "focusin"].forEach(function (kind) { el.addEventListener(kind, function () { mark(name, true); }); });
    ["mouseleave", "focusout"].forEach(function (kind) { el.addEventListener(kind, function () { mark(name, false); }); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".doc-field[data-field]").forEach(bind);
    document.querySelectorAll(".doc-box[data-field]").forEach(function (box) {
      bind(box.parentNode.tagName.toLowerCase() === "a" ? box.parentNode : box);
      if (box.parentNode.tagName.toLowerCase() === "a") { box.parentNode.setAttribute("data-field", box.getAttribute("data-field")); }
    });
  });
})();
