// Starts Swagger UI on /docs from the description the page names (no inline script: the CSP forbids it).
// Only GET may be tried from the page: the webhooks are Evotor's to call, not a reader's.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    supportedSubmitMethods: ["get"],
    deepLinking: true,
  });
});
