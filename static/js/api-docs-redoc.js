// Starts ReDoc on /redoc from the description the page names (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("redoc");
  Redoc.init(root.dataset.specUrl, { hideDownloadButton: false }, root);
});
