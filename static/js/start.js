// The guided start (/start): while the first plan is on its way (it computes itself after the choice of stores
// and groups), look every few seconds for a new run and show it. Bounded: five minutes on the page.
// (The progress of a run that is going on is drawn by evosync.js, as on /sync.)
(function () {
  "use strict";
  var wait = document.getElementById("start-wait");
  if (!wait) return;
  var polls = 0, known = wait.dataset.run || "";
  var poll = function () {
    if (polls++ > 100) return;
    fetch(wait.dataset.progressUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
      if (d.run && String(d.run) !== known) { window.location.reload(); return; }
      setTimeout(poll, 3000);
    });
  };
  setTimeout(poll, 3000);
})();
