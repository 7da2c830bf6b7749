package dev.sluice.http;

import dev.sluice.rules.Action;
import dev.sluice.rules.Actions;
import dev.sluice.rules.Descriptor;
import dev.sluice.rules.Domain;
import dev.sluice.rules.Route;
import dev.sluice.rules.RuleMatch;
import dev.sluice.rules.RuleSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The routes of a {@link RuleSet}, compiled for HTTP requests: which route covers a request (its
 * methods and {@link PathPattern}, the first in file order wins), the descriptors its actions make
 * of the request, and the rules those descriptors match. The rules declare routes and actions as
 * plain values ({@link Route}, {@link Action}); this is where they meet a {@link RequestContext}.
 * Immutable and thread-safe.
 */
public final class Routes {

  private final RuleSet rules;
  private final Map<String, List<Compiled>> domains = new HashMap<>();

  private Routes(RuleSet rules) {
    this.rules = rules;
    for (Domain d : rules.domains()) {
      List<Compiled> routes = new ArrayList<>(d.routes().size());
      d.routes().forEach(r -> routes.add(new Compiled(r)));
      domains.put(d.name(), List.copyOf(routes));
    }
  }

  /** The routes of {@code rules}, compiled once. */
  public static Routes of(RuleSet rules) {
    return new Routes(Objects.requireNonNull(rules, "rules must not be null"));
  }

  /**
   * The routes of whatever rule set {@code rules} supplies now, compiled again only when it
   * supplies another one (a reloading holder).
   */
  public static Supplier<Routes> following(Supplier<RuleSet> rules) {
    Objects.requireNonNull(rules, "rules must not be null");
    return new Supplier<>() {
      private volatile @Nullable Routes last;

      @Override
      public Routes get() {
        RuleSet now = rules.get();
        Routes l = last;
        if (l == null || l.rules != now) {
          l = of(now);
          last = l;
        }
        return l;
      }
    };
  }

  /** The rules these routes belong to. */
  public RuleSet rules() {
    return rules;
  }

  /** The first route of {@code domain} covering {@code request}'s method and path, if any. */
  public Optional<Route> route(String domain, RequestContext request) {
    return compiled(domain, request).map(c -> c.route);
  }

  /**
   * The descriptors the first route of {@code domain} covering {@code request} produces: one per
   * action list whose every action applies (or skips), in order; lists that cannot be completed,
   * or whose every action skipped, yield nothing. Empty when the domain is unknown or no route
   * covers the request.
   */
  public List<Descriptor> descriptors(String domain, RequestContext request) {
    return compiled(domain, request).map(c -> c.descriptors(request)).orElse(List.of());
  }

  /**
   * The matches for {@code request}: {@link #descriptors} then {@link RuleSet#matchAll}, keeping
   * only the descriptors that matched a rule, in order.
   */
  public List<RuleMatch> match(String domain, RequestContext request) {
    List<RuleMatch> out = new ArrayList<>();
    for (Optional<RuleMatch> m : rules.matchAll(domain, descriptors(domain, request))) {
      m.ifPresent(out::add);
    }
    return List.copyOf(out);
  }

  private Optional<Compiled> compiled(String domain, RequestContext request) {
    Objects.requireNonNull(domain, "domain must not be null");
    Objects.requireNonNull(request, "request must not be null");
    for (Compiled c : domains.getOrDefault(domain, List.of())) {
      if (c.covers(request)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  /** A route with its path pattern and actions ready to apply. */
  private static final class Compiled {
    final Route route;
    final @Nullable PathPattern path;
    final List<List<Step>> lists;

    Compiled(Route route) {
      this.route = route;
      this.path = route.path().map(PathPattern::compile).orElse(null);
      List<List<Step>> out = new ArrayList<>();
      for (List<Action> actions : route.descriptorActions()) {
        List<Step> steps = new ArrayList<>(actions.size());
        actions.forEach(a -> steps.add(new Step(a.skipIfAbsent(), entry(a))));
        out.add(List.copyOf(steps));
      }
      this.lists = List.copyOf(out);
    }

    /** Whether the request's method and path are covered (no method or path listed: all). */
    boolean covers(RequestContext request) {
      return (route.methods().isEmpty() || route.methods().contains(request.method()))
          && (path == null || path.matches(request.path()));
    }

    List<Descriptor> descriptors(RequestContext request) {
      List<Descriptor> out = new ArrayList<>();
      next:
      for (List<Step> steps : lists) {
        List<Descriptor.Entry> entries = new ArrayList<>();
        for (Step s : steps) {
          Optional<Descriptor.Entry> e = s.entry().apply(request);
          if (e.isPresent()) {
            entries.add(e.get());
          } else if (!s.skipIfAbsent()) {
            continue next;
          }
        }
        if (!entries.isEmpty()) {
          out.add(Descriptor.of(entries));
        }
      }
      return out;
    }
  }

  /** One action, ready to apply: the entry it makes of a request, if it can. */
  private record Step(boolean skipIfAbsent,
      Function<RequestContext, Optional<Descriptor.Entry>> entry) {}

  /** What {@code action} contributes to a descriptor for a request. */
  private static Function<RequestContext, Optional<Descriptor.Entry>> entry(Action action) {
    if (action instanceof Actions.RemoteAddress a) {
      return r -> r.clientAddress().map(v -> new Descriptor.Entry(a.descriptorKey(), v));
    }
    if (action instanceof Actions.RequestHeaders a) {
      return r -> r.header(a.headerName()).map(v -> new Descriptor.Entry(a.descriptorKey(), v));
    }
    if (action instanceof Actions.BasicAuthUser a) {
      return r -> r.basicAuthUser().map(u -> new Descriptor.Entry(a.descriptorKey(), u));
    }
    if (action instanceof Actions.ApiKey a) {
      return r -> r.header(a.headerName()).filter(v -> !v.isBlank())
          .map(v -> new Descriptor.Entry(a.descriptorKey(), v.trim()));
    }
    if (action instanceof Actions.GenericKey a) {
      Optional<Descriptor.Entry> e =
          Optional.of(new Descriptor.Entry(a.descriptorKey(), a.descriptorValue()));
      return r -> e;
    }
    if (action instanceof Actions.Path a) {
      return r -> Optional.of(new Descriptor.Entry(a.descriptorKey(), r.path()));
    }
    if (action instanceof Actions.HeaderValueMatch a) {
      List<Predicate<RequestContext>> all = new ArrayList<>();
      a.headers().forEach(h -> all.add(matcher(h)));
      Optional<Descriptor.Entry> e =
          Optional.of(new Descriptor.Entry(a.descriptorKey(), a.descriptorValue()));
      return r -> all.stream().allMatch(m -> m.test(r)) == a.expectMatch() ? e : Optional.empty();
    }
    throw new IllegalArgumentException("unknown action " + action.describe());
  }

  /**
   * One header condition: a missing header matches nothing but {@code present_match: false};
   * {@code invert_match} negates the result.
   */
  private static Predicate<RequestContext> matcher(Actions.HeaderMatcher h) {
    String operand = h.operand();
    Predicate<String> value = switch (h.kind()) {
      case EXACT -> v -> v.equals(operand);
      case PREFIX -> v -> v.startsWith(operand);
      case SUFFIX -> v -> v.endsWith(operand);
      case CONTAINS -> v -> v.contains(operand);
      case REGEX -> {
        Pattern p = Pattern.compile(operand);
        yield v -> p.matcher(v).matches();
      }
      case PRESENT -> v -> true;
    };
    boolean present = h.kind() != Actions.MatchKind.PRESENT || Boolean.parseBoolean(operand);
    return r -> {
      Optional<String> v = r.header(h.name());
      boolean result = h.kind() == Actions.MatchKind.PRESENT
          ? v.isPresent() == present
          : v.isPresent() && value.test(v.get());
      return result != h.invert();
    };
  }
}
