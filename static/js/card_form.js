// The portal's card form: the number is grouped as it is typed (4-4-4-4, or 4-6-5 for
// American Express) and the expiry gets its slash. The server checks everything again.
(function () {
  "use strict";
  const form = document.querySelector("[data-card-form]");
  if (!form) return;
  const number = form.querySelector("[autocomplete='cc-number']");
  const expiry = form.querySelector("[autocomplete='cc-exp']");

  function grouped(digits) {
    const amex = /^3[47]/.test(digits);
    const sizes = amex ? [4, 6, 5] : [4, 4, 4, 4, 3];
    const parts = [];
    let at = 0;
    for (const size of sizes) {
      if (at >= digits.length) break;
      parts.push(digits.slice(at, at + size));
      at += size;
    }
    return parts.join(" ");
  }

  number.addEventListener("input", () => {
    const digits = number.value.replace(/\D/g, "").slice(0, 19);
    number.value = grouped(digits);
  });
  expiry.addEventListener("input", (event) => {
    const digits = expiry.value.replace(/\D/g, "").slice(0, 4);
    const deleting = event.inputType && event.inputType.startsWith("delete");
    expiry.value = digits.length > 2 || (digits.length === 2 && !deleting)
      ? `${digits.slice(0, 2)}/${digits.slice(2)}` : digits;
  });
})();
