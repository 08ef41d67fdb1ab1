/* Behaviour the templates ask for with data-* attributes, on every page (base.html). The Content-Security-Policy
 * allows no inline script, event handler attribute or style attribute, so none of that is in the templates:
 * - <select data-autosubmit>: choosing an option submits its form (the county chooser of the policy page);
 * - <div data-width="42">: a width in percent (the import progress bar), set through the CSSOM, which the policy
 *   allows, on the page and on whatever htmx swaps in. */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.matches || !el.matches("[data-autosubmit]") || !el.form) return;
    if (typeof el.form.requestSubmit === "function") el.form.requestSubmit();
    else el.form.submit();
  });

  function widths(root) {
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-width]"));
    if (root.matches && root.matches("[data-width]")) found.push(root);
    found.forEach(function (el) {
      var value = parseFloat(el.dataset.width);
      if (!isNaN(value)) el.style.width = Math.max(0, Math.min(100, value)) + "%";
    });
  }

  widths(document);
  document.addEventListener("htmx:load", function (event) { widths(event.target); });
})();
