/* The post-loan inspection form on a tablet (DESIGN §13).
 * - photos are downscaled in the browser (longest side at most 1600 px, JPEG quality 0.8) and put back into the
 *   file input through a DataTransfer before the form is submitted;
 * - the location comes from navigator.geolocation with its accuracy (the server flags an accuracy of 0);
 * - a client-made id (crypto.randomUUID) makes a double submit the same record;
 * - problem rows 2 and 3 appear on demand.
 * Without JavaScript the form still works: the photos are sent as taken and the location stays empty. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-inspection-form]");
  if (!form) return;

  var MAX_SIDE = 1600;
  var QUALITY = 0.8;

  function uuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
    // randomUUID needs a secure context; getRandomValues does not.
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  /* --- client id ------------------------------------------------------------------------------------------ */
  var clientId = form.querySelector("input[name=client_id]");
  if (clientId && !clientId.value) clientId.value = uuid();

  /* --- location ------------------------------------------------------------------------------------------- */
  var lat = form.querySelector("input[name=latitude]");
  var lng = form.querySelector("input[name=longitude]");
  var acc = form.querySelector("input[name=accuracy_m]");
  var locStatus = form.querySelector("[data-location-status]");
  var locButton = form.querySelector("[data-locate]");

  function showLocation(text, level) {
    if (!locStatus) return;
    locStatus.textContent = text;
    locStatus.classList.remove("text-danger", "text-warning-emphasis", "text-success");
    if (level) locStatus.classList.add(level);
  }

  function locate() {
    if (!("geolocation" in navigator) || !window.isSecureContext) {
      showLocation(locStatus.dataset.unavailable, "text-warning");
      return;
    }
    showLocation(locStatus.dataset.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      var c = pos.coords;
      lat.value = c.latitude.toFixed(6);
      lng.value = c.longitude.toFixed(6);
      acc.value = c.accuracy.toFixed(1);
      var rounded = Math.round(c.accuracy);
      if (c.accuracy === 0) showLocation(locStatus.dataset.zero, "text-danger");
      else if (c.accuracy > 100) showLocation(fill(locStatus.dataset.coarse, { acc: rounded }), "text-warning-emphasis");
      else showLocation(fill(locStatus.dataset.found, { acc: rounded }), "text-success");
    }, function (err) {
      // The browser's own err.message is in the browser's language: say it in the page's.
      var text = { 1: locStatus.dataset.denied, 2: locStatus.dataset.noFix, 3: locStatus.dataset.timeout }[err.code];
      showLocation(text || locStatus.dataset.failed, "text-danger");
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
  }

  if (lat && lng && acc && locStatus) {
    if (locButton) locButton.addEventListener("click", locate);
    if (!lat.value) locate();
  }

  /* --- problem rows --------------------------------------------------------------------------------------- */
  var rows = Array.prototype.slice.call(form.querySelectorAll("[data-finding-row]"));
  var addButton = form.querySelector("[data-add-finding]");

  function rowUsed(row) {
    var used = false;
    row.querySelectorAll("select, textarea").forEach(function (el) { if (el.value) used = true; });
    return used || row.querySelector(".invalid-feedback") !== null;
  }

  function syncRows() {
    var hidden = rows.filter(function (r) { return r.classList.contains("d-none"); });
    if (addButton) addButton.classList.toggle("d-none", hidden.length === 0);
  }

  rows.forEach(function (row, i) {
    if (i > 0 && !rowUsed(row)) row.classList.add("d-none");
  });
  if (addButton) {
    addButton.addEventListener("click", function () {
      var next = rows.filter(function (r) { return r.classList.contains("d-none"); })[0];
      if (next) {
        next.classList.remove("d-none");
        var select = next.querySelector("select");
        if (select) select.focus();
      }
      syncRows();
    });
  }
  syncRows();

  /* --- photos --------------------------------------------------------------------------------------------- */
  var input = form.querySelector("input[type=file][name=photos]");
  var photoStatus = form.querySelector("[data-photo-status]");
  var preview = form.querySelector("[data-photo-preview]");
  var submit = form.querySelector("[data-submit]");
  var pending = null;

  function loadImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { resolve({ img: img, url: url }); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("not an image")); };
      img.src = url;
    });
  }

  function downscale(file) {
    if (!file.type || file.type.indexOf("image/") !== 0) return Promise.resolve(file);
    return loadImage(file).then(function (loaded) {
      var img = loaded.img;
      var w = img.naturalWidth, h = img.naturalHeight;
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(w * scale));
      canvas.height = Math.max(1, Math.round(h * scale));
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff"; // transparent PNGs become white, not black, in JPEG
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      URL.revokeObjectURL(loaded.url);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || (scale === 1 && file.type === "image/jpeg" && blob.size >= file.size)) { resolve(file); return; }
          var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function showPreview(files) {
    if (!preview) return;
    preview.textContent = "";
    files.forEach(function (f) {
      var col = document.createElement("div");
      col.className = "col-4 col-md-3";
      var img = document.createElement("img");
      img.className = "img-fluid rounded border";
      img.alt = f.name;
      img.src = URL.createObjectURL(f);
      col.appendChild(img);
      preview.appendChild(col);
    });
  }

  function processPhotos() {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) { showPreview([]); return Promise.resolve(); }
    if (photoStatus) photoStatus.textContent = photoStatus.dataset.processing;
    if (submit) submit.disabled = true;
    return files.reduce(function (chain, f) {
      return chain.then(function (out) { return downscale(f).then(function (small) { out.push(small); return out; }); });
    }, Promise.resolve([])).then(function (out) {
      if (typeof DataTransfer === "function") {
        try {
          var dt = new DataTransfer();
          out.forEach(function (f) { dt.items.add(f); });
          input.files = dt.files;
        } catch (e) { /* old browsers: the originals are uploaded */ }
      }
      var kb = Math.round(Array.prototype.reduce.call(input.files, function (s, f) { return s + f.size; }, 0) / 1024);
      if (photoStatus) photoStatus.textContent = fill(photoStatus.dataset.ready, { n: input.files.length, kb: kb });
      showPreview(Array.prototype.slice.call(input.files));
    }).finally(function () {
      if (submit) submit.disabled = false;
    });
  }

  if (input) {
    input.addEventListener("change", function () {
      var current = pending = processPhotos().then(function () { if (pending === current) pending = null; });
    });
  }

  /* --- submit: wait for the photos, then send once ------------------------------------------------------- */
  form.addEventListener("submit", function (event) {
    if (form.dataset.sending === "1") { event.preventDefault(); return; }
    if (pending) {
      event.preventDefault();
      pending.then(function () {
        pending = null;
        form.dataset.sending = "1";
        if (submit) submit.disabled = true;
        HTMLFormElement.prototype.submit.call(form);
      });
      return;
    }
    form.dataset.sending = "1";
    window.setTimeout(function () { if (submit) submit.disabled = true; }, 0);
  });
})();
