// The web client's entry: signs in (a token typed in or given in the URL's
// fragment, or, on a development server, a user name) and shows the chat.
import { render } from "preact";
import { App } from "./ui/App.js";
import "./styles.css";

render(<App />, document.getElementById("app")!);
