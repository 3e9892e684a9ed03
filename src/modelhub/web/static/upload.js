/* The upload wizard and one's own upload page, as progressive enhancement: every form here
   works without this script. With it: drag and drop of a zip or a folder, upload progress,
   the refused page shown in place, rows added to the fix form, and a live check status. */
(function () {
  "use strict";

  var JUNK = [".DS_Store", "Thumbs.db", "desktop.ini"];

  function isJunk(path) {
    var parts = path.split("/");
    return parts.indexOf("__MACOSX") >= 0 || JUNK.indexOf(parts[parts.length - 1]) >= 0;
  }

  function stripTop(paths) {
    // a chosen or dropped folder arrives as "folder/rdf.yaml": the package is inside it
    var tops = {};
    var nested = paths.every(function (p) { return p.indexOf("/") > 0; });
    paths.forEach(function (p) { tops[p.split("/")[0]] = true; });
    if (!nested || Object.keys(tops).length !== 1) return paths;
    return paths.map(function (p) { return p.slice(p.indexOf("/") + 1); });
  }

  function humanSize(n) {
    if (n < 1000) return n + " bytes";
    var units = ["KB", "MB", "GB", "TB"];
    var i = -1;
    do { n /= 1000; i += 1; } while (n >= 1000 && i < units.length - 1);
    return n.toFixed(n < 10 ? 1 : 0) + " " + units[i];
  }

  function readEntry(entry, out) {
    if (entry.isFile) {
      return new Promise(function (resolve, reject) {
        entry.file(function (file) {
          out.push({ file: file, path: entry.fullPath.replace(/^\//, "") });
          resolve();
        }, reject);
      });
    }
    var reader = entry.createReader();
    return new Promise(function (resolve, reject) {
      var all = [];
      (function more() {
        // readEntries answers in batches: read until it answers nothing
        reader.readEntries(function (batch) {
          if (!batch.length) {
            Promise.all(all.map(function (e) { return readEntry(e, out); })).then(resolve, reject);
            return;
          }
          all = all.concat(Array.prototype.slice.call(batch));
          more();
        }, reject);
      })();
    });
  }

  function setupUploadForm(form) {
    var zone = form.querySelector("#dropzone");
    var zipInput = form.querySelector("#file");
    var dirInput = form.querySelector("#files");
    var message = form.querySelector("#upload-message");
    var chosenText = form.querySelector("#chosen");
    var progressWrap = form.querySelector("#upload-progress-wrap");
    var progress = form.querySelector("#upload-progress");
    var button = form.querySelector("#upload-button");
    var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
    var dropped = null; // {zip: File} or {files: [{file, path}]}
    form.querySelector("#dropzone-text").hidden = false;

    function say(text, bad) {
      message.textContent = text;
      message.className = "upload-message" + (bad ? " bad" : "");
    }

    function showChosen(text) {
      chosenText.textContent = text;
      chosenText.hidden = !text;
    }

    function chosen() {
      if (dropped) return dropped;
      if (zipInput.files.length && !dirInput.files.length) return { zip: zipInput.files[0] };
      if (dirInput.files.length && !zipInput.files.length) {
        var list = Array.prototype.slice.call(dirInput.files);
        return { files: list.map(function (f) { return { file: f, path: f.webkitRelativePath || f.name }; }) };
      }
      return null;
    }

    [zipInput, dirInput].forEach(function (input) {
      input.addEventListener("change", function () {
        dropped = null;
        var other = input === zipInput ? dirInput : zipInput;
        if (input.files.length) other.value = "";
        var pick = chosen();
        showChosen(pick ? (pick.zip ? "Chosen: " + pick.zip.name : "Chosen: a folder with " + pick.files.length + " files") : "");
        say("", false);
      });
    });

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("dragging");
      var items = Array.prototype.slice.call(event.dataTransfer.items || []);
      var entries = items.map(function (i) { return i.webkitGetAsEntry && i.webkitGetAsEntry(); })
        .filter(Boolean);
      var files = Array.prototype.slice.call(event.dataTransfer.files || []);
      var oneZip = files.length === 1 && /\.zip$/i.test(files[0].name);
      if (oneZip && (!entries.length || (entries.length === 1 && entries[0].isFile))) {
        dropped = { zip: files[0] };
        zipInput.value = "";
        dirInput.value = "";
        showChosen("Dropped: " + files[0].name);
        say("", false);
        return;
      }
      if (!entries.length) {
        // loose files without folder entries (some browsers): each by its own name
        if (!files.length) {
          say("Nothing to upload was dropped. Drop a .zip file or a folder.", true);
          return;
        }
        dropped = { files: files.map(function (f) { return { file: f, path: f.name }; }) };
        showChosen("Dropped: " + files.length + " files");
        say("", false);
        return;
      }
      var out = [];
      say("Reading the dropped files…", false);
      Promise.all(entries.map(function (e) { return readEntry(e, out); })).then(function () {
        out = out.filter(function (f) { return !isJunk(f.path); });
        var paths = stripTop(out.map(function (f) { return f.path; }));
        out.forEach(function (f, i) { f.path = paths[i]; });
        dropped = { files: out };
        zipInput.value = "";
        dirInput.value = "";
        showChosen("Dropped: " + out.length + " files");
        say("", false);
      }, function () {
        say("The dropped files could not be read. Please choose them with the buttons instead.", true);
      });
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var pick = chosen();
      var urlField = form.elements["url"];
      var url = urlField ? urlField.value.trim() : "";
      if (!pick && !url) {
        say("Choose a package .zip file or a folder first (not both), or give its URL.", true);
        return;
      }
      if (pick && url) {
        say("Choose either a package or a URL, not both.", true);
        return;
      }
      var data = new FormData();
      ["csrf", "resource_id", "change_note"].forEach(function (name) {
        var field = form.elements[name];
        if (field) data.append(name, field.value);
      });
      var total = 0;
      if (url) {
        data.append("url", url);
      } else if (pick.zip) {
        data.append("file", pick.zip, pick.zip.name);
        total = pick.zip.size;
      } else {
        var paths = stripTop(pick.files.map(function (f) { return f.path; }));
        pick.files.forEach(function (f, i) {
          if (isJunk(paths[i])) return;
          data.append("files", f.file, paths[i]);
          total += f.file.size;
        });
      }
      if (maxBytes && total > maxBytes) {
        say("The package is " + humanSize(total) + ", more than this hub accepts (" + humanSize(maxBytes) + "). Leave out files it does not need.", true);
        return;
      }
      send(data, total);
    });

    function send(data, total) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "text/html");
      progressWrap.hidden = false;
      progress.value = 0;
      button.disabled = true;
      say(total ? "Uploading " + humanSize(total) + "…" : "Fetching the package…", false);
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        progress.value = Math.round((e.loaded / e.total) * 100);
        if (e.loaded === e.total) say("Uploaded. Checking the package…", false);
      });
      xhr.addEventListener("load", function () {
        button.disabled = false;
        var target = xhr.responseURL ? new URL(xhr.responseURL) : null;
        if (target && target.pathname !== "/upload" && xhr.status < 400) {
          say("Accepted. Opening your upload…", false);
          window.location.assign(xhr.responseURL);
          return;
        }
        if ((xhr.getResponseHeader("Content-Type") || "").indexOf("text/html") === 0) {
          showPage(xhr.responseText, xhr.status);
          return;
        }
        say("The hub answered with an error (" + xhr.status + "). Please try again.", true);
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        progressWrap.hidden = true;
        say("The upload failed: the connection was interrupted. Check your network; a package larger than " + humanSize(maxBytes) + " is refused.", true);
      });
      xhr.send(data);
    }
  }

  function showPage(html, status) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var main = doc.querySelector("main");
    if (!main) {
      document.querySelector("main").textContent = "The hub answered with an error (" + status + ").";
      return;
    }
    document.querySelector("main").replaceWith(document.adoptNode(main));
    document.title = doc.title;
    init();
    var alert = document.querySelector("#refusal, main [role=alert], main h1");
    if (alert) {
      alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  }

  function setupRows(group) {
    var button = group.querySelector("[data-add-row]");
    if (!button) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var rows = group.querySelectorAll("[data-row]");
      var last = rows[rows.length - 1];
      var copy = last.cloneNode(true);
      var name = group.getAttribute("data-rows");
      var index = rows.length;
      var pattern = new RegExp("^" + name + "-\\d+");
      copy.querySelectorAll("input").forEach(function (input) { input.value = ""; input.removeAttribute("aria-invalid"); });
      copy.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
      copy.querySelectorAll("[id], [for], [name], [aria-describedby]").forEach(function (el) {
        ["id", "for", "name"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(pattern, name + "-" + index));
        });
        var described = el.getAttribute("aria-describedby");
        if (described) {
          var kept = described.split(" ").filter(function (id) { return !/-error$/.test(id); })
            .map(function (id) { return id.replace(pattern, name + "-" + index); });
          if (kept.length) el.setAttribute("aria-describedby", kept.join(" "));
          else el.removeAttribute("aria-describedby");
        }
      });
      copy.removeAttribute("aria-describedby");
      copy.querySelectorAll(".field.invalid").forEach(function (el) { el.classList.remove("invalid"); });
      var legend = copy.querySelector("legend");
      if (legend) legend.textContent = legend.textContent.replace(/\d+( \(new\))?$/, String(index + 1) + " (new)");
      last.after(copy);
      var first = copy.querySelector("input");
      if (first) first.focus();
    });
  }

  var CHECK_LABELS = {
    queued: "Waiting to be checked", running: "Being checked", passed: "Passed", failed: "Failed",
    error: "Could not run (a problem on the hub's side, not in your package)", not_run: "Not run"
  };

  function setupPolling(section) {
    var url = section.getAttribute("data-poll");
    var timer = null;
    function show(state) {
      var status = document.getElementById("check-status");
      status.textContent = CHECK_LABELS[state.check.status] || state.check.status;
      status.className = "badge status-" + state.check.status.replace("_", "-");
      document.getElementById("check-reason").textContent = state.check.reason || "";
      document.getElementById("revision-status").textContent = state.status_label;
      var list = document.getElementById("check-formats");
      list.textContent = "";
      state.check.formats.forEach(function (f) {
        var item = document.createElement("li");
        var name = document.createElement("strong");
        name.textContent = f.format;
        var badge = document.createElement("span");
        badge.className = "badge status-" + f.status;
        badge.textContent = CHECK_LABELS[f.status] || f.status;
        item.append(name, ": ", badge, f.reason ? " — " + f.reason : "");
        list.append(item);
      });
      if (!state.check.formats.length) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = "No results yet.";
        list.append(none);
      }
      var live = document.getElementById("check-live");
      live.textContent = state.live ? "The check is still " + (state.check.status === "queued" ? "waiting" : "running") + "; this page updates itself." : "The check is finished.";
    }
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        })
        .then(function (state) {
          show(state);
          if (!state.live) window.clearInterval(timer);
        })
        .catch(function () {
          document.getElementById("check-live").textContent = "Could not reach the hub to update the check; trying again…";
        });
    }
    timer = window.setInterval(poll, 2000);
  }

  function init() {
    var form = document.getElementById("upload-form");
    if (form) setupUploadForm(form);
    document.querySelectorAll("[data-rows]").forEach(setupRows);
    var section = document.querySelector("[data-poll]");
    if (section) setupPolling(section);
  }

  init();
})();
