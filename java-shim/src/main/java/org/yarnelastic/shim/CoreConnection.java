/*
 * Licensed under the Apache License, Version 2.0; see LICENSE at the project root.
 */
package org.yarnelastic.shim;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;

import javax.net.SocketFactory;

import py4j.ClientServer;

/**
 * One Py4J connection to the core. It is thrown away on any error and a new one is made:
 * a proxy that outlives a core restart would silently talk to whatever object the new
 * process has under the same id (ecosystem.md §1, "stale proxies").
 *
 * <p>The RM opens no listening port: Python never calls back, so the Py4J Java server is not
 * started. Every socket sets TCP_NODELAY, without which a message over 8 KiB stalls ~40 ms
 * on Nagle's algorithm and delayed ACKs (py4j#516).
 */
final class CoreConnection implements AutoCloseable {

  private final ClientServer clientServer;
  private final CoreEndpoint endpoint;

  CoreConnection(InetSocketAddress address, String authToken, int readTimeoutMs)
      throws UnknownHostException {
    clientServer = new ClientServer.ClientServerBuilder()
        .autoStartJavaServer(false)
        .pythonAddress(InetAddress.getByName(address.getHostString()))
        .pythonPort(address.getPort())
        .authToken(authToken)
        .readTimeout(readTimeoutMs)
        .socketFactory(new NoDelaySocketFactory())
        .build();
    endpoint = (CoreEndpoint) clientServer.getPythonServerEntryPoint(
        new Class<?>[] {CoreEndpoint.class});
  }

  /** One round trip; any Py4J or network failure surfaces as an unchecked exception. */
  byte[] exchange(byte[] message) {
    return endpoint.exchange(message);
  }

  @Override
  public void close() {
    try {
      clientServer.shutdown();
    } catch (RuntimeException ignored) {
      // the connection is being discarded because it already failed
    }
  }

  /** Plain sockets with Nagle's algorithm off. */
  static final class NoDelaySocketFactory extends SocketFactory {
    private static Socket noDelay(Socket socket) throws IOException {
      socket.setTcpNoDelay(true);
      return socket;
    }

    @Override
    public Socket createSocket() throws IOException {
      return noDelay(new Socket());
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return noDelay(new Socket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return noDelay(new Socket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return noDelay(new Socket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress,
        int localPort) throws IOException {
      return noDelay(new Socket(address, port, localAddress, localPort));
    }
  }
}
