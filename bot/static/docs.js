/* /docs: Swagger UI on this server's own copy of its files, for the schema at /openapi.json. */
window.addEventListener("load", function () {
  "use strict";
  var target = document.getElementById("swagger-ui");
  if (typeof window.SwaggerUIBundle !== "function") {
    target.textContent = "Swagger UI is not installed on this server; the schema is at ";
    var link = document.createElement("a");
    link.href = "openapi.json";
    link.textContent = "/openapi.json";
    target.appendChild(link);
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIBundle.SwaggerUIStandalonePreset],
    layout: "BaseLayout"
  });
});
