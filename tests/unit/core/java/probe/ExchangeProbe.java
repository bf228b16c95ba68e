// Calls a running core through Py4J ClientServer exactly as the shim does, and prints replies.
// Usage: ExchangeProbe <pythonPort> <token> <file.json>...
package probe;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.yarnelastic.shim.CoreEndpoint;
import py4j.ClientServer;

public class ExchangeProbe {
  public static void main(String[] args) throws Exception {
    ClientServer server = new ClientServer.ClientServerBuilder()
        .javaPort(0).pythonPort(Integer.parseInt(args[0])).authToken(args[1]).build();
    try {
      CoreEndpoint core = (CoreEndpoint) server.getPythonServerEntryPoint(
          new Class[] {CoreEndpoint.class});
      for (int i = 2; i < args.length; i++) {
        byte[] request = Files.readAllBytes(Paths.get(args[i]));
        byte[] reply = core.exchange(request);
        System.out.println(new String(reply, StandardCharsets.UTF_8));
      }
    } finally {
      server.shutdown();
    }
  }
}
