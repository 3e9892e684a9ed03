// Progressive enhancement of the catalog page: choosing an order applies it at once (the form
// and its button work without this script).
(function () {
  "use strict";
  var form = document.querySelector("form.sort");
  if (!form) { return; }
  document.documentElement.classList.add("js");
  var select = form.querySelector("select");
  if (select) {
    select.addEventListener("change", function () { form.submit(); });
  }
})();
