package dev.sluice.spring.gateway;

import static dev.sluice.spring.gateway.SluiceGatewayRateLimiter.CONFIGURATION_PROPERTY_NAME;

import dev.sluice.servlet.InvalidSettingException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.filter.factory.RequestRateLimiterGatewayFilterFactory;
import org.springframework.cloud.gateway.route.RouteDefinition;

/**
 * Checks at startup, so that a mistake stops the application rather than the gateway's first
 * route refresh, the {@code RequestRateLimiter} filters of the routes and default filters in the
 * application's properties ({@code spring.cloud.gateway.server.webflux.*}): their {@code
 * sluice-rate-limiter.*} arguments, bound as the gateway binds them, and that a filter using
 * Sluice has them (on the route or in the default filters). Arguments given as SpEL ({@code #{...}})
 * are checked when the gateway builds the route, as are routes from other sources.
 */
final class RouteArgumentsCheck implements SmartInitializingSingleton {

  static final String FILTER_NAME = "RequestRateLimiter";

  private final ObjectProvider<GatewayProperties> properties;
  private final ObjectProvider<RequestRateLimiterGatewayFilterFactory> factory;
  private final SluiceGatewayRateLimiter limiter;
  private final String beanName;

  RouteArgumentsCheck(ObjectProvider<GatewayProperties> properties,
      ObjectProvider<RequestRateLimiterGatewayFilterFactory> factory,
      SluiceGatewayRateLimiter limiter, String beanName) {
    this.properties = properties;
    this.factory = factory;
    this.limiter = limiter;
    this.beanName = beanName;
  }

  @Override
  public void afterSingletonsInstantiated() {
    GatewayProperties p = properties.getIfAvailable();
    if (p == null) {
      return;
    }
    boolean byDefault = false;
    List<FilterDefinition> defaults = p.getDefaultFilters();
    for (int i = 0; i < defaults.size(); i++) {
      FilterDefinition f = defaults.get(i);
      if (FILTER_NAME.equals(f.getName())) {
        byDefault |= check(f, "default-filters (" + GatewayProperties.PREFIX + ".default-filters["
            + i + "]) ");
      }
    }
    List<RouteDefinition> routes = p.getRoutes();
    for (int i = 0; i < routes.size(); i++) {
      RouteDefinition r = routes.get(i);
      List<FilterDefinition> filters = r.getFilters();
      for (int j = 0; j < filters.size(); j++) {
        FilterDefinition f = filters.get(j);
        if (!FILTER_NAME.equals(f.getName())) {
          continue;
        }
        String where = "route '" + r.getId() + "' (" + GatewayProperties.PREFIX + ".routes[" + i
            + "].filters[" + j + "]) ";
        if (!check(f, where) && !byDefault && usesSluice(f)) {
          throw new InvalidSettingException(where + CONFIGURATION_PROPERTY_NAME + ".limits",
              "the route's " + FILTER_NAME + " filter counts with Sluice but has no "
                  + CONFIGURATION_PROPERTY_NAME + ".* arguments: set "
                  + CONFIGURATION_PROPERTY_NAME + ".limits (e.g. 10/second;1000/hour) or "
                  + CONFIGURATION_PROPERTY_NAME + ".replenishRate (with .burstCapacity)");
        }
      }
    }
  }

  /** Checks the filter's Sluice arguments; false when it has none. */
  private boolean check(FilterDefinition filter, String where) {
    Map<String, Object> args = new HashMap<>();
    filter.getArgs().forEach((k, v) -> {
      if (k.startsWith(CONFIGURATION_PROPERTY_NAME + ".")) {
        args.put(k, v);
      }
    });
    if (args.isEmpty()) {
      return false;
    }
    if (args.values().stream().anyMatch(v -> v != null && v.toString().contains("#{"))) {
      return true;  // SpEL: checked when the gateway binds the route
    }
    String prefix = where + CONFIGURATION_PROPERTY_NAME + ".";
    SluiceGatewayRateLimiter.Config config;
    try {
      config = new Binder(new MapConfigurationPropertySource(args))
          .bindOrCreate(CONFIGURATION_PROPERTY_NAME,
              Bindable.of(SluiceGatewayRateLimiter.Config.class));
    } catch (BindException e) {
      // the binder's dashed form (replenish-rate) back to the arguments' (replenishRate)
      String dashed = e.getName().toString().substring(CONFIGURATION_PROPERTY_NAME.length() + 1);
      String name = Pattern.compile("-([a-z])").matcher(dashed)
          .replaceAll(m -> m.group(1).toUpperCase(Locale.ROOT));
      Object value = e.getProperty() == null ? null : e.getProperty().getValue();
      throw new InvalidSettingException(prefix + name, "'" + value + "' is not a whole number", e);
    }
    RouteLimits.of(config, prefix);
    return true;
  }

  /** Whether the filter counts with this limiter: named in rate-limiter, or the default one. */
  private boolean usesSluice(FilterDefinition filter) {
    @Nullable String named = null;
    for (Map.Entry<String, String> a : filter.getArgs().entrySet()) {
      if (a.getKey().replace("-", "").equalsIgnoreCase("ratelimiter")) {
        named = a.getValue();
      }
    }
    if (named != null) {
      return named.replace(" ", "").contains("@" + beanName + "}");
    }
    RequestRateLimiterGatewayFilterFactory f = factory.getIfAvailable();
    return f != null && f.getDefaultRateLimiter() == limiter;
  }
}
