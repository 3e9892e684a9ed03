// Progressive enhancement for the review desk and the account page: ask before the actions
// that cannot be undone. Everything works without this file.
"use strict";
document.addEventListener("submit", function (event) {
  var button = event.submitter || event.target.querySelector("button[data-confirm]");
  var question = button && button.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
