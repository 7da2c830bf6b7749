/** What every HTTP front end shares: request view, path patterns, client address, headers. */
module dev.sluice.http {
  requires transitive dev.sluice.enforcement;
  requires static org.jspecify;

  exports dev.sluice.http;
}
