package dev.sluice.servlet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Runs in {@link WithoutMicrometer}: a filter declared as in web.xml (metrics on by default) and
 * one built in code, in a real Tomcat; reports what it saw as text.
 */
public final class WithoutMicrometerProbe implements Callable<List<String>> {

  @Override
  public List<String> call() throws Exception {
    List<String> seen = new ArrayList<>();
    seen.add("filter loaded by " + SluiceFilter.class.getClassLoader().getName());
    try {
      Class.forName("io.micrometer.core.instrument.MeterRegistry");
      seen.add("Micrometer visible");
    } catch (ClassNotFoundException e) {
      seen.add("no Micrometer");
    }
    try (EmbeddedTomcat web = new EmbeddedTomcat()
        .servlet("hello", new EmbeddedTomcat.Hello(), "/*")
        .filter(new SluiceFilter(), Map.of("limits", "1/minute")).start()) {
      seen.add("web.xml: " + web.get("/").statusCode() + " " + web.get("/").statusCode());
    }
    try (EmbeddedTomcat web = new EmbeddedTomcat()
        .servlet("hello", new EmbeddedTomcat.Hello(), "/*")
        .filter(SluiceFilter.builder().limits("1/minute").build()).start()) {
      seen.add("builder: " + web.get("/").statusCode() + " " + web.get("/").statusCode());
    }
    try {
      SluiceFilter.builder().meterRegistry(new Object());
      seen.add("meterRegistry accepted");
    } catch (IllegalStateException e) {
      seen.add(e.getMessage());
    }
    return seen;
  }
}
