import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App } from "./app/App";
import { AppProvider } from "./app/AppProvider";
import { adoptStyleNonce } from "./lib/csp";
import { applyTheme, preferredTheme } from "./lib/theme";
import "./index.css";

adoptStyleNonce();
applyTheme(preferredTheme(), false);

const root = document.getElementById("root");
if (!root) throw new Error("missing #root");

createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <AppProvider>
        <App />
      </AppProvider>
    </BrowserRouter>
  </StrictMode>,
);
