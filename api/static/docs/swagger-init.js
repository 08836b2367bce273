// Starts Swagger UI on the docs page; settings come from the container's data attributes.
window.addEventListener("load", () => {
  const container = document.getElementById("swagger-ui-container");
  const config = Object.assign(
    { url: container.dataset.specUrl, dom_id: "#swagger-ui-container" },
    JSON.parse(container.dataset.config || "{}"),
  );
  window.ui = SwaggerUIBundle(config);
});
