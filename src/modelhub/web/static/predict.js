/* "Run this model on your images", as progressive enhancement: the form works without this
   script. With it, choosing a version applies it at once, and choosing images asks the hub for
   a dry run (nothing is kept or run) that shows how each image will be read: the axes it
   guessed and why, pre-filled in the axes fields, which stay editable. */
(function () {
  "use strict";

  // larger images are read only when the form is sent (a dry run uploads them once more)
  var DRY_RUN_MAX = 64 * 1024 * 1024;
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  var versionForm = document.getElementById("version-form");
  if (versionForm) {
    versionForm.querySelector("select").addEventListener("change", function () {
      versionForm.submit();
    });
  }
  var form = document.getElementById("predict-form");
  if (!form) { return; }
  var api = form.getAttribute("data-api");
  var csrf = form.querySelector("input[name=csrf]").value;
  var fileInputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
  var axesFields = form.querySelectorAll("input[name^='axes.']");
  var edited = {};  // axes the person typed: never overwritten by a guess
  var latest = 0;

  function fieldset(input) { return input.closest("fieldset"); }
  function box(input) { return fieldset(input).querySelector(".guess"); }
  function axesOf(input) { return fieldset(input).querySelector("input[name^='axes.']"); }

  function say(input, text, bad) {
    var target = box(input);
    target.textContent = "";
    var p = document.createElement("p");
    p.textContent = text;
    if (bad) { p.className = "bad"; }
    target.appendChild(p);
  }

  function showPlan(plan) {
    fileInputs.forEach(function (input) {
      var name = input.getAttribute("data-input");
      var mine = [];
      plan.images.forEach(function (row) {
        row.forEach(function (image) { if (image.name === name) { mine.push(image); } });
      });
      var target = box(input);
      target.textContent = "";
      var list = document.createElement("ul");
      mine.forEach(function (image) {
        var item = document.createElement("li");
        var head = document.createElement("strong");
        head.textContent = image.file_name + ": read as " + image.axes +
          " (" + image.shape.join(" × ") + ", " + image.dtype + ")";
        item.appendChild(head);
        var why = document.createElement("ul");
        image.explanation.forEach(function (sentence) {
          var line = document.createElement("li");
          line.textContent = sentence;
          why.appendChild(line);
        });
        item.appendChild(why);
        list.appendChild(item);
      });
      target.appendChild(list);
      var field = axesOf(input);
      var all = mine.map(function (image) { return image.axes; });
      if (!edited[field.name] && all.length && all.every(function (a) { return a === all[0]; })) {
        field.value = all[0];
      }
    });
  }

  function showError(error) {
    // the field at fault: details' loc is ["images", index, input id, …]
    var loc = (error.details && error.details[0] && error.details[0].loc) || [];
    var target = fileInputs.filter(function (input) {
      return loc.indexOf(input.getAttribute("data-input")) >= 0;
    })[0] || fileInputs[0];
    say(target, error.message, true);
  }

  function dryRun() {
    var chosen = fileInputs.filter(function (input) { return input.files.length > 0; });
    fileInputs.forEach(function (input) { box(input).textContent = ""; });
    if (!chosen.length) { return; }
    if (chosen.length < fileInputs.length) {
      say(chosen[0], "Choose images for every input to see how they will be read.");
      return;
    }
    var total = 0;
    var body = new FormData();
    fileInputs.forEach(function (input) {
      each(input.files, function (file) {
        total += file.size;
        body.append(input.name, file, file.name);
      });
    });
    if (total > DRY_RUN_MAX) {
      say(chosen[0], "These images are large: the hub reads them when you run the model.");
      return;
    }
    each(axesFields, function (field) {
      if (edited[field.name] && field.value.trim()) { body.append(field.name, field.value.trim()); }
    });
    body.append("dry_run", "true");
    body.append("version", form.querySelector("input[name=version]").value);
    body.append("weights", form.querySelector("select[name=weights]").value);
    var mine = ++latest;
    fileInputs.forEach(function (input) { say(input, "Reading your images…"); });
    fetch(api, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (json) { return { ok: response.ok, json: json }; });
    }).then(function (answer) {
      if (mine !== latest) { return; }
      if (answer.ok) { showPlan(answer.json); } else { showError(answer.json.error); }
    }).catch(function () {
      if (mine !== latest) { return; }
      say(fileInputs[0], "Your images could not be checked now; the hub checks them when you run the model.");
    });
  }

  fileInputs.forEach(function (input) { input.addEventListener("change", dryRun); });
  each(axesFields, function (field) {
    field.addEventListener("input", function () { edited[field.name] = field.value.trim() !== ""; });
    field.addEventListener("change", function () {
      if (fileInputs.some(function (input) { return input.files.length > 0; })) { dryRun(); }
    });
  });
  form.addEventListener("submit", function (event) {
    var state = document.getElementById("send-state");
    var test = event.submitter && event.submitter.name === "test_input";
    state.textContent = test ? "Starting the model on its test image…" : "Sending your images…";
  });
})();
