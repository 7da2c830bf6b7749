/**
 * Rate limit rules in envoy ratelimit's YAML format, with Sluice's extensions: loading and
 * validation ({@link dev.sluice.rules.RuleLoader}), the rule model ({@link
 * dev.sluice.rules.RuleSet}, {@link dev.sluice.rules.Domain}, {@link
 * dev.sluice.rules.DescriptorRule}), envoy's matching of request descriptors ({@link
 * dev.sluice.rules.RuleSet#matchAll}) and per-path routes whose actions turn an HTTP request
 * ({@link dev.sluice.rules.RequestContext}) into descriptors.
 */
@NullMarked
package dev.sluice.rules;

import org.jspecify.annotations.NullMarked;
