// Hands an application framed by /resources/{id}/open/{app} the resource it was opened with:
// {type: "modelhub:context", context: {id, version, rdf_url, name, type, page_url, hub_url}},
// once the frame has loaded and again whenever the frame asks with {type: "modelhub:context?"}.
// The frame runs in an opaque origin (sandbox without allow-same-origin): "*" is the only
// target it can be reached by, and the context holds public facts only.
"use strict";
(function () {
  var frame = document.getElementById("app-frame");
  if (!frame) {
    return;
  }
  var type = frame.getAttribute("data-message-type");
  var context = JSON.parse(frame.getAttribute("data-context"));
  function tell() {
    if (frame.contentWindow) {
      frame.contentWindow.postMessage({ type: type, context: context }, "*");
    }
  }
  frame.addEventListener("load", tell);
  tell(); // in case the frame finished loading before this script ran
  window.addEventListener("message", function (event) {
    if (event.source === frame.contentWindow && event.data && event.data.type === type + "?") {
      tell();
    }
  });
})();
