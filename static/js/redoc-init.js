/* Starts ReDoc (templates/api/redoc.html) without an inline script.
 * - ReDoc's styled-components put its CSS into <style> elements; the page's policy allows them only with the
 *   response's nonce, which this script tag carries (read through the .nonce property: browsers hide the
 *   attribute's value from the DOM). The two style elements the bundle writes while it loads, before it knows the
 *   nonce, are allowed by hash (microcredit/api_urls.py).
 * - The sidebar's "API docs by Redocly" logo is an image on cdn.redoc.ly: no third-party origin is allowed, and
 *   the office networks may not reach it, so it is replaced by an empty local image before it is requested. */
(function () {
  "use strict";
  var script = document.currentScript;
  var THIRD_PARTY_LOGO = "https://cdn.redoc.ly/";
  var EMPTY = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E";
  function local(value) { return String(value).indexOf(THIRD_PARTY_LOGO) === 0 ? EMPTY : value; }
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    return setAttribute.call(this, name, this instanceof HTMLImageElement && name === "src" ? local(value) : value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true, enumerable: src.enumerable, get: src.get,
    set: function (value) { src.set.call(this, local(value)); }
  });
  window.Redoc.init(script.dataset.specUrl, { nonce: script.nonce }, document.getElementById("redoc-container"));
})();
