package dev.sluice.internal;

import dev.sluice.spi.Reservation;

/** The numbers of a reservation: its decision's and its wait. */
record Reserved(Result result, long waitMicros) {

  static Reserved of(Reservation r) {
    return new Reserved(Result.of(r.decision()), r.waitMicros());
  }
}
