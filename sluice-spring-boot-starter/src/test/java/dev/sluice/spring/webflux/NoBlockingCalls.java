package dev.sluice.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Installs BlockHound before a test class and fails each test after which a blocking call was
 * seen on a non-blocking thread (see {@link BlockingCalls}).
 */
final class NoBlockingCalls implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback {

  @Override
  public void beforeAll(ExtensionContext context) {
    BlockingCalls.install();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    BlockingCalls.clear();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    assertThat(BlockingCalls.seen()).as("blocking calls on non-blocking threads").isEmpty();
  }
}
