package dev.sluice.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A complete, validated set of rules: every domain with its descriptor tree and routes. Immutable
 * and thread-safe; a reload builds a new one (see {@link RuleLoader}) and swaps it in whole.
 *
 * <p>Matching follows envoy ratelimit exactly: per request descriptor, walk the domain's tree one
 * entry per depth (exact value, then a wildcard value such as {@code prefix*}, then the bare
 * key); a limit applies only where the descriptor's entries end. See {@link #match(String,
 * Descriptor)} and {@link #matchAll(String, List)}.
 */
public final class RuleSet {

  private static final RuleSet EMPTY = new RuleSet(List.of());

  private final Map<String, Domain> domains;

  RuleSet(List<Domain> domains) {
    Map<String, Domain> map = new LinkedHashMap<>();
    for (Domain d : domains) {
      map.put(d.name(), d);
    }
    this.domains = map;
  }

  /** A rule set without domains: nothing matches. */
  public static RuleSet empty() {
    return EMPTY;
  }

  /** The domains, in load order. */
  public List<Domain> domains() {
    return List.copyOf(domains.values());
  }

  /** The domain named {@code name}, if loaded. */
  public Optional<Domain> domain(String name) {
    Objects.requireNonNull(name, "domain must not be null");
    return Optional.ofNullable(domains.get(name));
  }

  /**
   * The rule {@code descriptor} matches in {@code domain}, if any; empty for an unknown domain, an
   * empty descriptor, or a walk that does not end on a rule with a limit. Does not apply {@code
   * replaces}, which needs all descriptors of a request: use {@link #matchAll}.
   */
  public Optional<RuleMatch> match(String domain, Descriptor descriptor) {
    Objects.requireNonNull(descriptor, "descriptor must not be null");
    Domain d = domains.get(Objects.requireNonNull(domain, "domain must not be null"));
    return d == null ? Optional.empty() : Optional.ofNullable(Matcher.match(d, descriptor));
  }

  /**
   * Matches every descriptor of one request, as envoy's service does: element {@code i} of the
   * result is the match for {@code descriptors.get(i)}. Then {@code replaces}: every name listed
   * in any match's {@code replaces} (unlimited ones included) removes the limits of that name from
   * the other matches; a match left without limits becomes empty.
   */
  public List<Optional<RuleMatch>> matchAll(String domain, List<Descriptor> descriptors) {
    return matchAll(domain, descriptors, Collections.nCopies(descriptors.size(), null));
  }

  /**
   * {@link #matchAll(String, List)}, where a descriptor whose element of {@code overrides} is not
   * null takes that limit instead of its rule's, as envoy does with a request's {@code limit}: the
   * override applies whether a rule matches or not (but not in an unknown domain), its rule's
   * {@code replaces} do not apply, and nothing replaces it.
   *
   * @throws IllegalArgumentException when the lists' sizes differ
   */
  public List<Optional<RuleMatch>> matchAll(String domain, List<Descriptor> descriptors,
      List<@Nullable LimitOverride> overrides) {
    if (overrides.size() != descriptors.size()) {
      throw new IllegalArgumentException("one override (or null) per descriptor: "
          + overrides.size() + " for " + descriptors.size());
    }
    List<Optional<RuleMatch>> raw = new ArrayList<>(descriptors.size());
    Set<String> replaced = new HashSet<>();
    for (int i = 0; i < descriptors.size(); i++) {
      Descriptor d = descriptors.get(i);
      LimitOverride o = overrides.get(i);
      if (o != null) {
        Domain dom = domains.get(Objects.requireNonNull(domain, "domain must not be null"));
        raw.add(dom == null || d.entries().isEmpty() ? Optional.empty()
            : Optional.of(Matcher.override(dom, d, o)));
        continue;
      }
      Optional<RuleMatch> m = match(domain, d);
      m.ifPresent(x -> replaced.addAll(x.replaces()));
      raw.add(m);
    }
    if (replaced.isEmpty()) {
      return List.copyOf(raw);
    }
    List<Optional<RuleMatch>> out = new ArrayList<>(raw.size());
    for (Optional<RuleMatch> m : raw) {
      out.add(m.flatMap(x -> x.without(replaced)));
    }
    return List.copyOf(out);
  }

  /**
   * The rules as an indented tree, one line per domain, descriptor and route, each descriptor with
   * its limits and flags; what {@code sluice check} prints.
   */
  public String render() {
    return TreePrinter.render(this);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RuleSet r && List.copyOf(domains.values()).equals(List.copyOf(
        r.domains.values()));
  }

  @Override
  public int hashCode() {
    return List.copyOf(domains.values()).hashCode();
  }

  @Override
  public String toString() {
    return "RuleSet" + domains.keySet();
  }
}
