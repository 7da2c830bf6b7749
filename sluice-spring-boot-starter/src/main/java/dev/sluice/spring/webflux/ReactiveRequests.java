package dev.sluice.spring.webflux;

import dev.sluice.http.RequestContext;
import dev.sluice.http.TrustedProxies;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * The reactive side of a request as the servlet filter sees it: the {@link RequestContext} of a
 * {@link ServerHttpRequest}, and a response written whole (status, headers, body).
 */
final class ReactiveRequests {
  private ReactiveRequests() {}

  /**
   * The request's method, path without the context path (raw, as sent), query, every header and
   * the client address: the direct peer, or what {@code Forwarded} / {@code X-Forwarded-For} say
   * when the peer is one of the {@code proxies}; the authenticated {@code principal} (null:
   * none), the exchange's attributes, and the exchange itself as the native request.
   */
  static RequestContext context(ServerWebExchange exchange, @Nullable Principal principal,
      TrustedProxies proxies) {
    ServerHttpRequest request = exchange.getRequest();
    String path = request.getPath().pathWithinApplication().value();
    if (path.isEmpty()) {
      path = "/";
    }
    String query = request.getURI().getRawQuery();
    RequestContext.Builder b = RequestContext.builder(request.getMethod().name(),
        query == null ? path : path + "?" + query);
    List<String> forwarded = new ArrayList<>();
    List<String> xForwardedFor = new ArrayList<>();
    request.getHeaders().forEach((name, values) -> {
      for (String value : values) {
        b.header(name, value);
      }
      if (name.equalsIgnoreCase("Forwarded")) {
        forwarded.addAll(values);
      } else if (name.equalsIgnoreCase("X-Forwarded-For")) {
        xForwardedFor.addAll(values);
      }
    });
    b.principal(principal).attributes(exchange.getAttributes()::get).nativeRequest(exchange);
    String peer = peer(request.getRemoteAddress());
    if (peer != null) {
      b.clientAddress(proxies.clientAddress(peer, forwarded, xForwardedFor));
    }
    return b.build();
  }

  /** The peer's IP literal, never a resolved name; null when the server does not know it. */
  private static @Nullable String peer(@Nullable InetSocketAddress remote) {
    if (remote == null) {
      return null;
    }
    InetAddress address = remote.getAddress();
    return address != null ? address.getHostAddress() : remote.getHostString();
  }

  /** Answers with {@code status}, {@code headers} and a UTF-8 {@code body} of {@code contentType}. */
  static Mono<Void> respond(ServerHttpResponse response, int status, Map<String, String> headers,
      String contentType, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    response.setStatusCode(HttpStatusCode.valueOf(status));
    headers.forEach(response.getHeaders()::set);
    response.getHeaders().setContentType(new MediaType(MediaType.parseMediaType(contentType),
        StandardCharsets.UTF_8));
    response.getHeaders().setContentLength(bytes.length);
    return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(bytes)));
  }
}
