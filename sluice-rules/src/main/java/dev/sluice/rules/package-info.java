/**
 * Rate limit rules in envoy ratelimit's YAML format, with Sluice's extensions: loading and
 * validation ({@link dev.sluice.rules.RuleLoader}), the rule model ({@link
 * dev.sluice.rules.RuleSet}, {@link dev.sluice.rules.Domain}, {@link
 * dev.sluice.rules.DescriptorRule}), envoy's matching of request descriptors ({@link
 * dev.sluice.rules.RuleSet#matchAll}), and per-path routes ({@link dev.sluice.rules.Route}) as
 * declared: path patterns and {@link dev.sluice.rules.Action}s that HTTP front ends apply to a
 * request to make descriptors ({@code sluice-http}). Nothing here reads an HTTP request.
 */
@NullMarked
package dev.sluice.rules;

import org.jspecify.annotations.NullMarked;
