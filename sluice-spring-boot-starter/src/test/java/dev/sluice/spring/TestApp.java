package dev.sluice.spring;

import dev.sluice.servlet.RateLimited;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A small web application for the starter's tests. */
@SpringBootApplication
public class TestApp {

  @RestController
  static class Greetings {
    @GetMapping("/hello")
    String hello() {
      return "hello";
    }

    @GetMapping("/expensive")
    @RateLimited(value = "1/minute", key = "ip")
    String expensive() {
      return "expensive";
    }
  }
}
