"""Language models behind one port: Ollama, OpenAI (and compatible servers) and Anthropic
through their official SDKs, tried in order."""

from wavestack.providers.llm.chain import FallbackChain
from wavestack.providers.llm.fake import ScriptedLLM
from wavestack.providers.llm.port import LLM, Completion, LLMError, Message
from wavestack.providers.llm.settings import LLMSettings

__all__ = [
    "LLM",
    "Completion",
    "FallbackChain",
    "LLMError",
    "LLMSettings",
    "Message",
    "ScriptedLLM",
]
