package dev.sluice.servlet;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/** A real Tomcat on a free port, with servlets and one filter, called over real sockets. */
final class EmbeddedTomcat implements AutoCloseable {

  /** Answers 200 "ok from <servlet>" with the client address the filter settled on. */
  static class Hello extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().print("ok " + req.getAttribute(SluiceFilter.CLIENT_ADDRESS_ATTRIBUTE));
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      doGet(req, resp);
    }
  }

  /** Held so the level sticks: Tomcat's leak checks warn about module access on every stop. */
  private static final Logger QUIET = quiet();

  private static Logger quiet() {
    Logger l = Logger.getLogger("org.apache");
    l.setLevel(Level.SEVERE);
    return l;
  }

  private final Tomcat tomcat = new Tomcat();
  private final Context context;
  private final HttpClient client = HttpClient.newHttpClient();
  private final Path baseDir;

  EmbeddedTomcat() throws IOException {
    baseDir = Files.createTempDirectory("sluice-tomcat");
    tomcat.setBaseDir(baseDir.toString());
    tomcat.setPort(0);
    tomcat.setSilent(true);
    context = tomcat.addContext("", baseDir.toString());
  }

  private boolean async;

  /** Servlets and the filter added after this support asynchronous requests. */
  EmbeddedTomcat async() {
    async = true;
    return this;
  }

  EmbeddedTomcat servlet(String name, HttpServlet servlet, String... patterns) {
    Tomcat.addServlet(context, name, servlet).setAsyncSupported(async);
    for (String p : patterns) {
      context.addServletMappingDecoded(p, name);
    }
    return this;
  }

  EmbeddedTomcat filter(Filter filter) {
    FilterDef def = new FilterDef();
    def.setFilterName("sluice");
    def.setFilter(filter);
    return addFilter(def);
  }

  /** A filter instance configured by init-params, as a container does with web.xml. */
  EmbeddedTomcat filter(Filter filter, Map<String, String> initParams) {
    FilterDef def = new FilterDef();
    def.setFilterName("sluice");
    def.setFilter(filter);
    initParams.forEach(def::addInitParameter);
    return addFilter(def);
  }

  /** Sets a servlet context attribute when the context starts, before filters initialise. */
  EmbeddedTomcat attribute(String name, Object value) {
    context.addServletContainerInitializer((classes, ctx) -> ctx.setAttribute(name, value), null);
    return this;
  }

  /** The filter declared by class with init-params, as web.xml does. */
  EmbeddedTomcat filter(Class<? extends Filter> type, Map<String, String> initParams) {
    FilterDef def = new FilterDef();
    def.setFilterName("sluice");
    def.setFilterClass(type.getName());
    initParams.forEach(def::addInitParameter);
    return addFilter(def);
  }

  private EmbeddedTomcat addFilter(FilterDef def) {
    def.setAsyncSupported(Boolean.toString(async));
    context.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("sluice");
    map.addURLPattern("/*");
    context.addFilterMap(map);
    return this;
  }

  EmbeddedTomcat start() throws LifecycleException {
    tomcat.getConnector();
    tomcat.start();
    return this;
  }

  /** Whether the context started (a filter whose init fails stops it). */
  boolean available() {
    return context.getState().isAvailable();
  }

  int port() {
    return tomcat.getConnector().getLocalPort();
  }

  HttpResponse<String> get(String path, String... headers) throws Exception {
    return send("GET", path, headers);
  }

  /**
   * Sends the same request from {@code threads} threads released at once; the statuses, in no
   * particular order.
   */
  List<Integer> sendAtOnce(int threads, String method, String path, String... headers)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> all = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        all.add(pool.submit(() -> {
          go.await();
          return send(method, path, headers).statusCode();
        }));
      }
      go.countDown();
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> f : all) {
        statuses.add(f.get());
      }
      return statuses;
    } finally {
      pool.shutdownNow();
    }
  }

  HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws LifecycleException {
    tomcat.stop();
    tomcat.destroy();
  }
}
