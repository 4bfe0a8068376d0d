import { describeBrokerRestart } from "./broker-restart-scenario.js";

describeBrokerRestart("rabbitmq");
