// The invoice editor (templates/billing/invoice_form.html): rows added and removed in
// place, a saved service fills its row, and a running total follows the typing. Without
// this script the page still works: "Add a line" submits and comes back with a new row.
// The total shown here is a preview; the server computes the one that is saved.
(function () {
  "use strict";
  const form = document.querySelector("[data-invoice-editor]");
  if (!form) return;
  const rows = form.querySelector("[data-line-rows]");
  const template = form.querySelector("[data-line-template]");
  const totalForms = form.querySelector("input[name='lines-TOTAL_FORMS']");
  const catalogueNode = document.getElementById("service-catalogue");
  const catalogue = new Map(
    JSON.parse(catalogueNode ? catalogueNode.textContent : "[]").map((s) => [String(s.id), s]));

  // Cents, rounded half-up like apps/billing/money.py (the epsilon absorbs binary error).
  const cents = (value) => Math.round(value * 100 + 1e-7 * Math.sign(value));
  const number = (input) => {
    const value = parseFloat(input && input.value);
    return Number.isFinite(value) ? value : null;
  };
  const money = (c) => (c / 100).toLocaleString(undefined, {
    minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const field = (row, name) => row.querySelector(`[name$='-${name}']`);

  function recompute() {
    let subtotal = 0;
    let tax = 0;
    rows.querySelectorAll("[data-line-row]").forEach((row) => {
      const removed = field(row, "DELETE");
      if (removed && removed.checked) return;
      const price = number(field(row, "unit_price"));
      if (price === null || !field(row, "description").value.trim()) return;
      const quantity = number(field(row, "quantity")) ?? 1;
      const amount = cents(quantity * price);
      subtotal += amount;
      tax += cents((amount / 100) * ((number(field(row, "tax_percent")) ?? 0) / 100));
    });
    form.querySelector("[data-subtotal]").textContent = money(subtotal);
    form.querySelector("[data-tax]").textContent = money(tax);
    form.querySelector("[data-total]").textContent = money(subtotal + tax);
  }

  function serviceChosen(select) {
    const row = select.closest("[data-line-row]");
    const service = catalogue.get(select.value);
    if (!service) return;
    field(row, "description").value = service.description;
    field(row, "unit_price").value = service.unit_price;
    field(row, "tax_percent").value = service.tax_percent;
    if (!field(row, "quantity").value) field(row, "quantity").value = "1";
  }

  function removedToggled(box) {
    const row = box.closest("[data-line-row]");
    row.hidden = box.checked;
  }

  form.addEventListener("input", recompute);
  form.addEventListener("change", (event) => {
    if (event.target.matches("select[name$='-service']")) serviceChosen(event.target);
    if (event.target.matches("input[name$='-DELETE']")) removedToggled(event.target);
    recompute();
  });
  form.querySelector("[data-add-line]").addEventListener("click", (event) => {
    const index = parseInt(totalForms.value, 10);
    if (index >= 100) return;
    event.preventDefault();
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    rows.insertAdjacentHTML("beforeend", html);
    totalForms.value = String(index + 1);
    const added = rows.lastElementChild;
    added.querySelector("legend").textContent = `Line ${index + 1}`;
    added.querySelector("select, input").focus();
  });
  rows.querySelectorAll("input[name$='-DELETE']:checked").forEach(removedToggled);
  form.querySelector("[data-running-total]").hidden = false;
  recompute();
})();
