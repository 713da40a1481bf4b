/* The lobby floor's live part: server-sent events carry the re-rendered calls, kiosks and slots, swapped in
   as they come. Without this script (or without EventSource) the page still works: every action is a form. */
(function () {
  "use strict";
  var live = document.getElementById("floor-live");
  if (!live || !window.EventSource) { return; }
  var source = new EventSource(live.getAttribute("data-stream"));
  source.addEventListener("floor", function (event) {
    live.innerHTML = event.data;
    live.setAttribute("data-updated", String(Date.now()));
  });
})();
