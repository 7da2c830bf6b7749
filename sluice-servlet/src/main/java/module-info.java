/** The Jakarta Servlet filter and {@code @RateLimited}. Micrometer and Redis are optional. */
module dev.sluice.servlet {
  requires transitive dev.sluice.http;
  requires transitive jakarta.servlet;
  requires static dev.sluice.micrometer;
  requires static micrometer.core;
  requires static org.jspecify;

  exports dev.sluice.servlet;
}
