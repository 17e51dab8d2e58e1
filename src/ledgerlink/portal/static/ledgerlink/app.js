// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }
  function enableCopyButtons() {
    document.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (!navigator.clipboard) { return; }
      button.hidden = false;
      button.addEventListener("click", function () {
        var input = document.getElementById(button.getAttribute("data-copy-target"));
        var status = document.querySelector("[data-copy-status]");
        navigator.clipboard.writeText(input.value).then(function () {
          if (status) { status.textContent = "Link copied."; }
        }, function () {
          input.select();
          if (status) { status.textContent = "Select the link and copy it."; }
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    enableCopyButtons();
  });
})();
