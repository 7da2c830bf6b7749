package dev.sluice.enforcement.settings;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects a front end's declarations in their documented order, so that declaring a setting is
 * one statement:
 *
 * <pre>{@code
 * private static final SettingList DECLARED = new SettingList();
 * public static final Setting<Integer> HTTP_PORT = DECLARED.add(Setting.of("http-port", ...));
 * }</pre>
 *
 * <p>Declare the list before the settings (static fields initialize in order). Not thread-safe:
 * fill it from a static initializer.
 */
public final class SettingList {

  private final List<Setting<?>> settings = new ArrayList<>();

  /** Appends {@code setting}; returns it. */
  public <T> Setting<T> add(Setting<T> setting) {
    if (settings.stream().anyMatch(s -> s.name().equals(setting.name()))) {
      throw new IllegalArgumentException("two settings named " + setting.name());
    }
    settings.add(setting);
    return setting;
  }

  /** Appends settings declared elsewhere (the shared {@link EnforcementSettings}). */
  public void addAll(List<Setting<?>> declared) {
    for (Setting<?> s : declared) {
      add(s);
    }
  }

  /** The settings so far, in order. */
  public List<Setting<?>> settings() {
    return List.copyOf(settings);
  }
}
